import type { Principal } from "../../infra/auth/authenticator";
import type { Reader } from "./repo";

/**
 * Who may see and change a use case. Published ones: everyone signed in (the public part, anyone).
 * Drafts: the submitting user and their organization's admin. Archived ones (hidden by a platform
 * moderator): those two and moderators. Deleted ones: nobody (the two may restore them for 30 days).
 * Anything a caller may not see answers NOT_FOUND.
 */

/** The submitting user and their organization's admin. */
/** How long a deleted use case can be restored (its owner or an admin of its organization); purged after. */
export const RESTORE_DAYS = 30;

export const canEdit = (row: { ownerId: string; organizationId: string }, caller: Principal) =>
  row.ownerId === caller.userId || (caller.role === "admin" && row.organizationId === caller.organizationId);

export const mayRead = (
  row: { ownerId: string; organizationId: string; status: string; deletedAt: Date | null },
  caller: Principal,
) =>
  !row.deletedAt &&
  (row.status === "published" || canEdit(row, caller) || (row.status === "archived" && caller.isModerator));

export const readerOf = (caller: Principal): Reader => ({
  userId: caller.userId,
  organizationId: caller.organizationId,
  isAdmin: caller.role === "admin",
  isModerator: caller.isModerator,
});
