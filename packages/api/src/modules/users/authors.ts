import type { Author } from "@p2p/schemas";
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
