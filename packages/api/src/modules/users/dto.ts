import type { Me, UserListItem, UserProfile } from "@p2p/schemas";
import type { Selectable } from "kysely";
import type { OrganizationsTable, UsersTable } from "../../infra/postgres/schema";

export type UserRow = Selectable<UsersTable>;

/** What `toMe` reads of a user (the session view selects just these). */
export type MeRow = Pick<
  UserRow,
  | "id"
  | "email"
  | "emailVerifiedAt"
  | "firstName"
  | "lastName"
  | "title"
  | "phone"
  | "bio"
  | "avatarFileId"
  | "locale"
  | "timezone"
  | "role"
  | "isModerator"
  | "totpEnabledAt"
  | "createdAt"
>;

/**
 * The user as the caller acts: an API key acts with its own role (at most its creator's) and never
 * as a platform moderator, so what a client is told it may do is what the key may do.
 */
export const actingAs = (me: Me, caller: Pick<Me, "role" | "isModerator">): Me => ({
  ...me,
  role: caller.role,
  isModerator: caller.isModerator,
});

export function toMe(user: MeRow): Me {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerifiedAt !== null,
    firstName: user.firstName,
    lastName: user.lastName,
    title: user.title,
    phone: user.phone,
    bio: user.bio,
    avatarFileId: user.avatarFileId,
    locale: user.locale,
    timezone: user.timezone,
    role: user.role,
    isModerator: user.isModerator,
    totpEnabled: user.totpEnabledAt !== null,
    createdAt: user.createdAt,
  };
}

/** The visibility rule for profiles: email and phone only inside the user's own organization. */
export function toProfile(
  user: UserRow,
  organization: Pick<Selectable<OrganizationsTable>, "id" | "name">,
  viewerOrgId: string,
): UserProfile {
  const sameOrg = user.organizationId === viewerOrgId;
  return {
    id: user.id,
    firstName: user.firstName,
    lastName: user.lastName,
    title: user.title,
    bio: user.bio,
    avatarFileId: user.avatarFileId,
    organization: { id: organization.id, name: organization.name },
    email: sameOrg ? user.email : null,
    phone: sameOrg ? user.phone : null,
    role: user.role,
    status: user.status,
  };
}

/** An admin's row in the member list: the profile plus activity dates. */
export function toListItem(
  user: UserRow,
  organization: Pick<Selectable<OrganizationsTable>, "id" | "name">,
): UserListItem {
  return {
    ...toProfile(user, organization, user.organizationId),
    lastActiveAt: user.lastActiveAt,
    createdAt: user.createdAt,
  };
}
