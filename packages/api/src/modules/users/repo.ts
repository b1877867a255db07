import type { Role, UserStatus } from "@p2p/schemas";
import { sql, type Updateable } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { UserAuth } from "../../infra/auth/authenticator";
import type { UsersTable } from "../../infra/postgres/schema";
import { containsPattern } from "../../lib/pagination";

/** A user with their organization's name, for profiles. */
export const findUserWithOrg = (db: Db, userId: string) =>
  db
    .selectFrom("users")
    .innerJoin("organizations", "organizations.id", "users.organizationId")
    .selectAll("users")
    .select("organizations.name as organizationName")
    .where("users.id", "=", userId)
    .executeTakeFirst();

export const findUser = (db: Db, userId: string) =>
  db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();

export const updateUser = (db: Db, userId: string, changes: Updateable<UsersTable>) =>
  db
    .updateTable("users")
    .set({ ...changes, updatedAt: new Date() })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirstOrThrow();

export interface MemberFilter {
  role?: Role;
  status?: UserStatus;
  q?: string;
}

/** One page of an organization's members by last name, first name, id (the users_org_name index). */
export function listMembers(
  db: Db,
  orgId: string,
  filter: MemberFilter,
  after: [string, string, string] | null,
  limit: number,
) {
  let query = db
    .selectFrom("users")
    .selectAll()
    .where("organizationId", "=", orgId)
    .orderBy("lastName")
    .orderBy("firstName")
    .orderBy("id")
    .limit(limit + 1);
  if (filter.role) query = query.where("role", "=", filter.role);
  if (filter.status) query = query.where("status", "=", filter.status);
  // The same expression as the trigram index users_search_trgm, so the index serves it.
  if (filter.q) {
    query = query.where(sql`lower(first_name || ' ' || last_name || ' ' || email)`, "like", containsPattern(filter.q));
  }
  if (after) {
    query = query.where((eb) => eb(eb.refTuple("lastName", "firstName", "id"), ">", eb.tuple(...after)));
  }
  return query.execute();
}

/**
 * Locks the organization's active admins and the target user (in that order, so concurrent
 * changes queue up instead of deadlocking) for the rest of the transaction. A second demotion
 * waits here and then sees the first one's result.
 */
export async function lockForRoleChange(trx: Db, orgId: string, userId: string) {
  const admins = await trx
    .selectFrom("users")
    .select("id")
    .where("organizationId", "=", orgId)
    .where("role", "=", "admin")
    .where("status", "=", "active")
    .orderBy("id")
    .forUpdate()
    .execute();
  const user = await trx
    .selectFrom("users")
    .selectAll()
    .where("id", "=", userId)
    .where("organizationId", "=", orgId)
    .forUpdate()
    .executeTakeFirst();
  return { adminIds: admins.map((a) => a.id), user };
}

/** What the authenticator caches about a user (see AccountLookup). */
export async function findUserAuth(db: Db, userId: string): Promise<UserAuth | null> {
  const row = await db
    .selectFrom("users")
    .select(["organizationId", "role", "isModerator", "emailVerifiedAt", "status", "lastActiveAt"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    organizationId: row.organizationId,
    role: row.role,
    isModerator: row.isModerator,
    emailVerified: row.emailVerifiedAt !== null,
    active: row.status === "active",
    lastActiveAt: row.lastActiveAt,
  };
}

export async function markActive(db: Db, userId: string, at: Date): Promise<void> {
  await db.updateTable("users").set({ lastActiveAt: at }).where("id", "=", userId).execute();
}

/** Of `ids`, the active users (of `orgId` only, when given): who may still receive something. */
export async function activeUserIds(db: Db, ids: string[], orgId?: string): Promise<Set<string>> {
  if (!ids.length) return new Set();
  let query = db.selectFrom("users").select("id").where("id", "in", ids).where("status", "=", "active");
  if (orgId) query = query.where("organizationId", "=", orgId);
  return new Set((await query.execute()).map((u) => u.id));
}
