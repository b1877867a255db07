import type {
  ChangePasswordInput,
  ListUsersInput,
  MembersInput,
  OrganizationMember,
  SearchUsersInput,
  UpdateMeInput,
  UpdateUserInput,
} from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { invalidateProfiles, invalidateUsers, type Principal } from "../../infra/auth/authenticator";
import { authInvalidation } from "../../infra/auth/provider";
import type { Db } from "../../infra/postgres/db";
import { appError, notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { revokeApiKeysCreatedBy } from "../apiKeys/repo";
import { recordAudit } from "../audit/repo";
import { assertCurrentPassword } from "../auth/attempts";
import { voidAuthTokens } from "../auth/repo";
import { assertPasswordAllowed } from "../auth/service";
import { dashboardChanged } from "../dashboard/invalidate";
import { assertOwnImage } from "../files/service";
import { revokeUnusedSentBy } from "../invitations/repo";
import { findOrganization } from "../organizations/repo";
import { activityKeptFrom, withPresence } from "../presence/service";
import { followTimezone } from "../tasks/repo";
import { actingAs, toListItem, toMe, toProfile } from "./dto";
import * as repo from "./repo";

export async function getMe(db: Db, caller: Principal) {
  return actingAs(toMe(await repo.findUser(db, caller.userId)), caller);
}

export async function updateMe(deps: AppDeps, principal: Principal, input: z.infer<typeof UpdateMeInput>) {
  if (input.avatarFileId) await assertOwnImage(deps, principal.userId, input.avatarFileId);
  const user = await deps.db.transaction().execute(async (trx) => {
    const from = input.timezone && (await repo.lockTimezone(trx, principal.userId));
    const user = await repo.updateUser(trx, principal.userId, input);
    // Default reminders (9:00 local on the due day) follow the new zone; task writes wait for it.
    if (from && from !== user.timezone) await followTimezone(trx, user.id, from, user.timezone);
    return user;
  });
  await invalidateProfiles(deps.events, [user.id]);
  return toMe(user);
}

/**
 * Needs the current password; attempts count under the same limits as sign-ins, before the check
 * (so parallel guesses cannot outrun them).
 */
export async function changePassword(
  deps: AppDeps,
  principal: Principal,
  input: z.infer<typeof ChangePasswordInput>,
  ip: string | null,
) {
  const user = await repo.findUser(deps.db, principal.userId);
  await assertCurrentPassword(deps, user, input.current, ip, "current");
  assertPasswordAllowed(input.next, user.email, "next");
  const credentials = await deps.identity.setPassword(user, input.next);
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, credentials);
    // A reset link requested before the change must not undo it.
    await voidAuthTokens(trx, user.id, "reset_password");
    await recordAudit(trx, {
      organizationId: user.organizationId,
      actorId: user.id,
      action: "users.passwordChanged",
      ip,
    });
  });
  // Whoever else holds a session (maybe whoever learned the old password) is signed out.
  await deps.identity.revokeSessions(user.id, { exceptSessionId: principal.sessionId ?? undefined });
  return { ok: true as const };
}

/** Any signed-in user may look anyone up, except deactivated users of other organizations. */
export async function getUser(db: Db, viewer: Principal, userId: string) {
  const user = await repo.findUserWithOrg(db, userId);
  if (!user || (user.status !== "active" && user.organizationId !== viewer.organizationId)) throw notFound("User");
  return toProfile(user, { id: user.organizationId, name: user.organizationName }, viewer.organizationId);
}

const MemberCursor = z.tuple([z.string(), z.string(), z.uuid()]);

export async function listMembers(db: Db, orgId: string, input: z.infer<typeof ListUsersInput>) {
  const after = decodeCursor(input.cursor, MemberCursor);
  const [rows, org] = await Promise.all([
    repo.listMembers(db, orgId, input, after, input.limit),
    findOrganization(db, orgId),
  ]);
  return toPage(
    rows,
    input.limit,
    (u) => [u.lastName, u.firstName, u.id],
    (u) => toListItem(u, org),
  );
}

/**
 * `organizations.members`: the caller's active colleagues, for every member (a workplace directory;
 * emails are visible within the organization, as on `users.get`). A colleague who hides their
 * presence, or with a block between them and the caller, shows no last-active time (presence.get
 * shows them offline, never seen: the two must agree, or a block would show as one).
 */
export async function listColleagues(deps: AppDeps, caller: Principal, input: z.infer<typeof MembersInput>) {
  const after = decodeCursor(input.cursor, MemberCursor);
  const filter = { status: "active" as const, ...(input.q ? { q: input.q } : {}) };
  const rows = await repo.listMembers(deps.db, caller.organizationId, filter, after, input.limit);
  const kept = await activityKeptFrom(
    deps,
    caller.userId,
    rows.map((u) => u.id),
  );
  return toPage(
    rows,
    input.limit,
    (u) => [u.lastName, u.firstName, u.id],
    (u): OrganizationMember => ({
      id: u.id,
      firstName: u.firstName,
      lastName: u.lastName,
      title: u.title,
      role: u.role,
      avatarFileId: u.avatarFileId,
      email: u.email,
      lastActiveAt: kept.has(u.id) ? null : u.lastActiveAt,
    }),
  );
}

/** Anyone on the platform by name, title or organization, with presence as the caller may see it. */
export async function searchPeople(deps: AppDeps, caller: Principal, input: z.infer<typeof SearchUsersInput>) {
  const rows = await repo.searchPeople(deps.db, input.q, decodeCursor(input.cursor, MemberCursor), input.limit);
  const { items, nextCursor } = toPage(
    rows,
    input.limit,
    (u) => [u.lastName, u.firstName, u.id],
    (u) => u,
  );
  return { items: await withPresence(deps, caller.userId, items), nextCursor };
}

/**
 * An admin changes a member's role or status. The organization always keeps one active admin:
 * the check runs under row locks, so two admins demoting each other at once cannot both succeed.
 * Deactivation also revokes, for good, the API keys the user created and the invitations they sent
 * that are still open: reactivating the user does not bring them back. Demoting an admin revokes
 * the invitations they sent that are still open.
 */
export async function updateMember(
  deps: AppDeps,
  admin: Principal,
  input: z.infer<typeof UpdateUserInput>,
  ip: string | null,
) {
  const orgId = admin.organizationId;
  const { before, after, revokedKeyIds } = await deps.db.transaction().execute(async (trx) => {
    const { adminIds, user: before } = await repo.lockForRoleChange(trx, orgId, input.id);
    if (!before) throw notFound("User");
    const role = input.role ?? before.role;
    const status = input.status ?? before.status;
    const losesAdmin = adminIds.includes(before.id) && (role !== "admin" || status !== "active");
    if (losesAdmin && adminIds.length === 1) {
      throw appError("LAST_ADMIN", "An organization needs an active admin: make someone else an admin first");
    }
    const after = await repo.updateUser(trx, before.id, { role, status });
    const audit = { organizationId: orgId, actorId: admin.userId, targetType: "user", targetId: before.id, ip };
    if (role !== before.role) {
      // Inviting is an admin's act (an admin invitation makes an admin): a demoted admin's open ones go.
      const revoked =
        before.role === "admin"
          ? { revokedInvitations: (await revokeUnusedSentBy(trx, orgId, before.id)).map((i) => i.id) }
          : {};
      await recordAudit(trx, {
        ...audit,
        action: "users.roleChanged",
        metadata: { from: before.role, to: role, ...revoked },
      });
    }
    let revokedKeyIds: string[] = [];
    if (status === "active" && before.status !== "active") {
      await recordAudit(trx, { ...audit, action: "users.reactivated" });
    } else if (status !== "active" && before.status === "active") {
      revokedKeyIds = (await revokeApiKeysCreatedBy(trx, orgId, before.id)).map((k) => k.id);
      const invitations = await revokeUnusedSentBy(trx, orgId, before.id);
      await recordAudit(trx, {
        ...audit,
        action: "users.deactivated",
        metadata: { revokedApiKeys: revokedKeyIds, revokedInvitations: invitations.map((i) => i.id) },
      });
    }
    return { before, after, revokedKeyIds };
  });
  if (after.status !== "active" && before.status === "active") await deps.identity.revokeSessions(after.id, {});
  // Every node forgets the revoked keys at once, rather than when its key cache expires.
  if (revokedKeyIds.length) await deps.events.broadcast(authInvalidation, "all", { apiKeyIds: revokedKeyIds });
  // Every node drops its cached principal, so the new role or status applies to the very next request.
  if (after.role !== before.role || after.status !== before.status) await invalidateUsers(deps.events, [after.id]);
  if (after.status !== before.status) await dashboardChanged(deps, { orgs: [orgId], platform: true });
  return toListItem(after, await findOrganization(deps.db, orgId));
}
