import type { Author } from "@p2p/schemas";
import type { Expression, RawBuilder } from "kysely";
import { jsonBuildObject, jsonObjectFrom } from "kysely/helpers/postgres";
import type { Db } from "../../infra/postgres/db";

/** Display info for many users in one query (no N+1), keyed by id. */
export async function loadAuthors(db: Db, ids: Iterable<string>): Promise<Map<string, Author>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await db
    .selectFrom("users as u")
    .innerJoin("organizations as o", "o.id", "u.organizationId")
    .select(["u.id", "u.firstName", "u.lastName", "u.title", "u.avatarFileId", "o.id as orgId", "o.name as orgName"])
    .where("u.id", "in", unique)
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        firstName: r.firstName,
        lastName: r.lastName,
        title: r.title,
        avatarFileId: r.avatarFileId,
        organization: { id: r.orgId, name: r.orgName },
      },
    ]),
  );
}

/**
 * The author of each row of another module's list query, as one JSON column built here (the users
 * table and its join with organizations stay this module's): the list and its authors come back in
 * one round trip instead of two. `userId` is the row's user id column, e.g. `eb.ref("forumTopics.authorId")`.
 * The same shape as `loadAuthors` gives (null for no such user, where loadAuthors has no entry).
 */
export function authorColumn(db: Db, userId: Expression<string>): RawBuilder<Author> {
  return jsonObjectFrom(
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
      ])
      .where("u.id", "=", userId),
  ) as RawBuilder<Author>;
}
