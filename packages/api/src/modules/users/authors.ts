import type { Author } from "@p2p/schemas";
import { type Expression, type RawBuilder, type SqlBool, sql } from "kysely";
import { jsonBuildObject, jsonObjectFrom } from "kysely/helpers/postgres";
import { type Authenticator, defineUserView } from "../../infra/auth/authenticator";
import type { Db } from "../../infra/postgres/db";
import { preparedQuery } from "../../infra/postgres/prepared";
import { containsPattern } from "../../lib/pagination";

const authorView = defineUserView<Author>("author");

const authorsQuery = preparedQuery("authors", (db, ids: string[]) =>
  db
    .selectFrom("users as u")
    .innerJoin("organizations as o", "o.id", "u.organizationId")
    .select(["u.id", "u.firstName", "u.lastName", "u.title", "u.avatarFileId", "o.id as orgId", "o.name as orgName"])
    .where(sql<boolean>`u.id = any(${ids}::uuid[])`),
);

/**
 * Display info for many users (no N+1), keyed by id: from this node's cache where it has them (like
 * the session view: dropped on every node when the person's or their organization's profile
 * changes), the others in one query.
 */
export function loadAuthors(
  deps: { db: Db; authenticator: Authenticator },
  ids: Iterable<string>,
): Promise<Map<string, Author>> {
  return deps.authenticator.userViews(authorView, ids, async (missing) => {
    const rows = await authorsQuery(deps.db, missing);
    return new Map(
      rows.map((r) => [
        r.id,
        {
          organizationId: r.orgId,
          value: {
            id: r.id,
            firstName: r.firstName,
            lastName: r.lastName,
            title: r.title,
            avatarFileId: r.avatarFileId,
            organization: { id: r.orgId, name: r.orgName },
          },
        },
      ]),
    );
  });
}

/**
 * The author of each row of another module's list query, as one JSON column built here (the users
 * table and its join with organizations stay this module's): the list and its authors come back in
 * one round trip instead of two. `userId` is the row's user id column, e.g. `eb.ref("forumTopics.authorId")`.
 * The same shape as `loadAuthors` gives (null for no such user, where loadAuthors has no entry).
 */
export function authorColumn(db: Db, userId: Expression<string>): RawBuilder<Author> {
  return jsonObjectFrom(peopleWithOrganization(db).where("u.id", "=", userId)) as RawBuilder<Author>;
}

/** People (`u`) joined with their organization (`o`), selecting an `Author`'s fields. */
export const peopleWithOrganization = (db: Db) =>
  db
    .selectFrom("users as u")
    .innerJoin("organizations as o", "o.id", "u.organizationId")
    .select((eb) => [
      "u.id",
      "u.firstName",
      "u.lastName",
      "u.title",
      "u.avatarFileId",
      jsonBuildObject({ id: eb.ref("o.id"), name: eb.ref("o.name") }).as("organization"),
    ]);

/**
 * For another module's list of people (contacts, conversations): whether the user in `userId` (a
 * column of that query) is active, and whether their name or title contains `q` (the same
 * expression as the users_people_search index). The SQL over `users` stays here.
 */
export function personMatches(
  db: Db,
  userId: Expression<string>,
  filter: { q?: string; activeOnly?: boolean },
): Expression<SqlBool> {
  let query = db.selectFrom("users as u").select(sql`1`.as("one")).where("u.id", "=", userId);
  if (filter.activeOnly) query = query.where("u.status", "=", "active");
  if (filter.q) {
    query = query.where(
      sql`lower(u.first_name || ' ' || u.last_name || ' ' || coalesce(u.title, ''))`,
      "like",
      containsPattern(filter.q),
    );
  }
  return sql<SqlBool>`exists (${query})`;
}

/** The user's name as lists of people sort by it (last name, then first name), as one column of another module's query. */
export function sortNameColumn(db: Db, userId: Expression<string>): RawBuilder<string> {
  return sql<string>`(${db
    .selectFrom("users as u")
    .select(sql`lower(u.last_name || ' ' || u.first_name)`.as("n"))
    .where("u.id", "=", userId)})`;
}
