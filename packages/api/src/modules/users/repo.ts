import type { Role, UserStatus } from "@p2p/schemas";
import {
  type Expression,
  type Insertable,
  type RawBuilder,
  type SelectQueryBuilder,
  sql,
  type Updateable,
} from "kysely";
import { jsonObjectFrom } from "kysely/helpers/postgres";
import type { UserAuth } from "../../infra/auth/authenticator";
import type { Db } from "../../infra/postgres/db";
import { preparedQuery } from "../../infra/postgres/prepared";
import type { Database, UsersTable } from "../../infra/postgres/schema";
import { containsPattern, prefixPattern } from "../../lib/pagination";
import { peopleWithOrganization } from "./authors";

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

export const findUserByEmail = (db: Db, email: string) =>
  db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();

export const insertUser = (db: Db, user: Insertable<UsersTable>) => db.insertInto("users").values(user).execute();

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

/** One prepared statement with the organization, one without. */
const activeUsersQuery = (inOrganization: boolean) =>
  preparedQuery(inOrganization ? "active_members" : "active_users", (db, ids: string[], orgId?: string) => {
    const active = db
      .selectFrom("users")
      .select("id")
      .where(sql<boolean>`id = any(${ids}::uuid[])`)
      .where("status", "=", "active");
    return inOrganization ? active.where("organizationId", "=", orgId as string) : active;
  });
const activeUsers = activeUsersQuery(false);
const activeMembers = activeUsersQuery(true);

/** Of `ids`, the active users (of `orgId` only, when given): who may still receive something. */
export async function activeUserIds(db: Db, ids: string[], orgId?: string): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = orgId ? await activeMembers(db, ids, orgId) : await activeUsers(db, ids);
  return new Set(rows.map((u) => u.id));
}

/** Active members of an organization, and how many of them were active since `activeSince`. */
export const memberCounts = (db: Db, orgId: string, activeSince: Date) =>
  db
    .selectFrom("users")
    .where("organizationId", "=", orgId)
    .where("status", "=", "active")
    .select((eb) => [
      eb.fn.countAll<number>().as("memberCount"),
      eb.fn.countAll<number>().filterWhere("lastActiveAt", ">", activeSince).as("activeMembers30d"),
    ])
    .executeTakeFirstOrThrow();

/**
 * Records `step` as the user's last accepted TOTP step if it is newer than the last one, atomically,
 * so a code is accepted once even when sent twice at the same moment.
 */
export async function acceptTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const accepted = await db
    .updateTable("users")
    .set({ totpLastStep: step })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("totpLastStep", "is", null), eb("totpLastStep", "<", step)]))
    .returning("id")
    .executeTakeFirst();
  return accepted !== undefined;
}

/** A user's SuperTokens user id, for the identity provider (see ExternalAccounts). */
export async function externalIdOf(db: Db, userId: string): Promise<string | null> {
  const row = await db.selectFrom("users").select("externalId").where("id", "=", userId).executeTakeFirst();
  return row?.externalId ?? null;
}

/** Whether the user with this SuperTokens user id verified their email with us (see ExternalAccounts). */
export async function emailVerifiedByExternalId(db: Db, externalId: string): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .select("emailVerifiedAt")
    .where("externalId", "=", externalId)
    .executeTakeFirst();
  return Boolean(row?.emailVerifiedAt);
}

/**
 * The session view, read on every `auth.me`: the user's own fields and their whole organization
 * row, in one query that PostgreSQL keeps prepared (infra/postgres/prepared.ts). Columns are named
 * (a prepared `*` breaks when a migration adds one), and the password hash and TOTP secret are not
 * read at all.
 */
const sessionView = preparedQuery("session_view", (db, userId: string) =>
  db
    .selectFrom("users as u")
    .innerJoin("organizations as o", "o.id", "u.organizationId")
    .select([
      "u.id",
      "u.email",
      "u.emailVerifiedAt",
      "u.firstName",
      "u.lastName",
      "u.title",
      "u.phone",
      "u.bio",
      "u.avatarFileId",
      "u.locale",
      "u.timezone",
      "u.role",
      "u.isModerator",
      "u.totpEnabledAt",
      "u.createdAt",
      "o.id as orgId",
      "o.name as orgName",
      "o.industry as orgIndustry",
      "o.size as orgSize",
      "o.country as orgCountry",
      "o.city as orgCity",
      "o.description as orgDescription",
      "o.website as orgWebsite",
      "o.logoFileId as orgLogoFileId",
      "o.createdAt as orgCreatedAt",
      "o.updatedAt as orgUpdatedAt",
    ])
    .where("u.id", "=", userId),
);

/** A user and their whole organization row in one query (the session view, read on every `auth.me`). */
export async function findUserAndOrganization(db: Db, userId: string) {
  const [row] = await sessionView(db, userId);
  if (!row) throw new Error("no such user for the session view");
  const { orgId, orgName, orgIndustry, orgSize, orgCountry, orgCity, orgDescription, orgWebsite, orgLogoFileId } = row;
  return {
    user: {
      id: row.id,
      email: row.email,
      emailVerifiedAt: row.emailVerifiedAt,
      firstName: row.firstName,
      lastName: row.lastName,
      title: row.title,
      phone: row.phone,
      bio: row.bio,
      avatarFileId: row.avatarFileId,
      locale: row.locale,
      timezone: row.timezone,
      role: row.role,
      isModerator: row.isModerator,
      totpEnabledAt: row.totpEnabledAt,
      createdAt: row.createdAt,
    },
    organization: {
      id: orgId,
      name: orgName,
      industry: orgIndustry,
      size: orgSize,
      country: orgCountry,
      city: orgCity,
      description: orgDescription,
      website: orgWebsite,
      logoFileId: orgLogoFileId,
      createdAt: row.orgCreatedAt,
      updatedAt: row.orgUpdatedAt,
    },
  };
}

/** Which of these files are their uploader's avatar (an avatar is its user's own upload: a primary-key lookup). */
export async function avatarsAmong(db: Db, files: readonly { id: string; ownerId: string }[]): Promise<Set<string>> {
  if (!files.length) return new Set();
  const rows = await db
    .selectFrom("users")
    .select("avatarFileId")
    .where("id", "in", [...new Set(files.map((f) => f.ownerId))])
    .where(
      "avatarFileId",
      "in",
      files.map((f) => f.id),
    )
    .execute();
  return new Set(rows.flatMap((r) => (r.avatarFileId ? [r.avatarFileId] : [])));
}

/**
 * Active people whose name or title (the users_people_search index) or organization's name match
 * `pattern`: two indexed lookups joined by a UNION (one OR across the join could use neither
 * index). Each side carries the sort key, so a page is chosen from the matches themselves.
 * `firstOnly`: a UNION ALL, which can stop after the first rows it needs but lists a person who
 * matches both ways twice.
 */
function peopleMatching(db: Db, pattern: string, firstOnly = false) {
  const byName = db
    .selectFrom("users as a")
    .select(["a.id", "a.lastName", "a.firstName"])
    .where(sql`lower(a.first_name || ' ' || a.last_name || ' ' || coalesce(a.title, ''))`, "like", pattern)
    .where("a.status", "=", "active");
  const byOrganization = db
    .selectFrom("users as b")
    .select(["b.id", "b.lastName", "b.firstName"])
    .where("b.status", "=", "active")
    .where("b.organizationId", "in", (inner) =>
      inner.selectFrom("organizations as o2").select("o2.id").where(sql`lower(o2.name)`, "like", pattern),
    );
  return firstOnly ? byName.unionAll(byOrganization) : byName.union(byOrganization);
}

/** The people `ids` selects, with their organization, by last name, first name, id. */
const byNameWithOrganization = (
  db: Db,
  ids: SelectQueryBuilder<Database & { m: { id: string } }, "m", { id: string }>,
) =>
  peopleWithOrganization(db)
    .where("u.id", "in", ids)
    .orderBy("u.lastName")
    .orderBy("u.firstName")
    .orderBy("u.id")
    .execute();

/**
 * People search across organizations, by last name, first name, id. Never matches on email. Only
 * the page's rows are read with their organization (a common word in titles matched thousands).
 */
export function searchPeople(db: Db, q: string, after: [string, string, string] | null, limit: number) {
  let page = db
    .selectFrom(peopleMatching(db, containsPattern(q)).as("m"))
    .select("m.id")
    .orderBy("m.lastName")
    .orderBy("m.firstName")
    .orderBy("m.id")
    .limit(limit + 1);
  if (after) page = page.where((eb) => eb(eb.refTuple("m.lastName", "m.firstName", "m.id"), ">", eb.tuple(...after)));
  return byNameWithOrganization(db, page);
}

/**
 * Up to `limit` people matching `q`, by name: the global search's share, which shows only its best
 * few and counts "100+" beyond. First those whose name starts with the query, in name order (an
 * exact name among a hundred longer ones: "Mohammed Ali" among "Mohammed Alim…"), then the first
 * other matches the indexes yield (name and title before organization). It stops at `limit`
 * instead of sorting every match (8,000 people with a common word in their title).
 */
export async function somePeople(db: Db, q: string, limit: number) {
  const fullName = sql`lower(s.first_name || ' ' || s.last_name)`;
  const [starting, others] = await Promise.all([
    db
      .selectFrom("users as s")
      .select("s.id")
      .where(fullName, "like", prefixPattern(q))
      .where("s.status", "=", "active")
      .orderBy(fullName)
      .limit(limit)
      .execute(),
    db
      .selectFrom(peopleMatching(db, containsPattern(q), true).as("m"))
      .select("m.id")
      .limit(limit)
      .execute(),
  ]);
  const ids = [...new Set([...starting, ...others].map((r) => r.id))].slice(0, limit);
  if (!ids.length) return [];
  return peopleWithOrganization(db)
    .where("u.id", "in", ids)
    .orderBy("u.lastName")
    .orderBy("u.firstName")
    .orderBy("u.id")
    .execute();
}

const mailProfileQuery = (db: Db) =>
  db
    .selectFrom("users")
    .select(["users.id", "users.email", "users.firstName", "users.organizationId", "users.timezone"])
    .where("users.status", "=", "active");

/** What mail to people needs: address, name, organization, time zone (active users only). */
export const mailProfiles = (db: Db, ids: readonly string[]) =>
  ids.length ? mailProfileQuery(db).where("users.id", "in", ids).execute() : Promise.resolve([]);

/**
 * The mail profile of the user in `userId` (a column of another module's query) as one JSON
 * column, null for a user who is not active: as authorColumn, the SQL over `users` stays here.
 */
export const mailProfileColumn = (db: Db, userId: Expression<string>) =>
  jsonObjectFrom(mailProfileQuery(db).where("users.id", "=", userId));

/** The user's time zone (their profile setting), for "today" and reminders. */
export async function timezoneOf(db: Db, userId: string): Promise<string> {
  const row = await db.selectFrom("users").select("timezone").where("id", "=", userId).executeTakeFirst();
  return row?.timezone ?? "UTC";
}

/** The user's time zone, their row locked until the transaction ends (a change of it is under way). */
export async function lockTimezone(db: Db, userId: string): Promise<string> {
  const row = await db
    .selectFrom("users")
    .select("timezone")
    .where("id", "=", userId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return row.timezone;
}

/**
 * The user's time zone as an expression of another module's write, read under a share lock of
 * their row: the write waits for a change of the zone under way (`lockTimezone`) and then sees the
 * new zone, and a change waits for the write. So a value computed in the old zone is never written
 * after the change moved the others (the default reminders of tasks).
 */
export const timezoneColumn = (db: Db, userId: string): RawBuilder<string> =>
  sql<string>`(${db.selectFrom("users").select("timezone").where("id", "=", userId).forShare()})`;

/** Active people on the whole platform (the dashboard's platform block). */
export async function countActiveUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("status", "=", "active")
    .executeTakeFirstOrThrow();
  return row.n;
}
