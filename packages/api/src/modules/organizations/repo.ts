import type { Industry } from "@p2p/schemas";
import { sql, type Updateable } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { OrganizationsTable } from "../../infra/postgres/schema";
import { containsPattern } from "../../lib/pagination";

export const findOrganization = (db: Db, orgId: string) =>
  db.selectFrom("organizations").selectAll().where("id", "=", orgId).executeTakeFirstOrThrow();

export const updateOrganization = (db: Db, orgId: string, changes: Updateable<OrganizationsTable>) =>
  db
    .updateTable("organizations")
    .set({ ...changes, updatedAt: new Date() })
    .where("id", "=", orgId)
    .returningAll()
    .executeTakeFirstOrThrow();

export interface DirectoryFilter {
  q?: string;
  industry?: Industry;
  city?: string;
}

/** One page of every organization, by name then id (the organizations_name_id index). */
export function listDirectory(db: Db, filter: DirectoryFilter, after: [string, string] | null, limit: number) {
  let query = db
    .selectFrom("organizations")
    .selectAll()
    .orderBy("name")
    .orderBy("id")
    .limit(limit + 1);
  // lower(name) matches the trigram index organizations_name_trgm.
  if (filter.q) query = query.where(sql`lower(name)`, "ilike", containsPattern(filter.q));
  if (filter.industry) query = query.where("industry", "=", filter.industry);
  if (filter.city) query = query.where("city", "=", filter.city);
  if (after) query = query.where((eb) => eb(eb.refTuple("name", "id"), ">", eb.tuple(after[0], after[1])));
  return query.execute();
}

const ACTIVE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export async function organizationCounts(db: Db, orgId: string) {
  const [members, storage] = await Promise.all([
    db
      .selectFrom("users")
      .where("organizationId", "=", orgId)
      .where("status", "=", "active")
      .select((eb) => [
        eb.fn.countAll<number>().as("memberCount"),
        eb.fn
          .countAll<number>()
          .filterWhere("lastActiveAt", ">", new Date(Date.now() - ACTIVE_WINDOW_MS))
          .as("activeMembers30d"),
      ])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("files")
      .where("organizationId", "=", orgId)
      // sum(bigint) is numeric (a string in pg); the cast makes it an int8, parsed as a number.
      .select(sql<number>`coalesce(sum(size), 0)::bigint`.as("storageBytes"))
      .executeTakeFirstOrThrow(),
  ]);
  return { ...members, ...storage };
}
