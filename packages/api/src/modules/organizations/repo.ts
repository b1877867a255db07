import type { Industry } from "@p2p/schemas";
import { type Insertable, sql, type Updateable } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { OrganizationsTable } from "../../infra/postgres/schema";
import { containsPattern } from "../../lib/pagination";

export const findOrganization = (db: Db, orgId: string) =>
  db.selectFrom("organizations").selectAll().where("id", "=", orgId).executeTakeFirstOrThrow();

export const insertOrganization = (db: Db, org: Insertable<OrganizationsTable>) =>
  db.insertInto("organizations").values(org).execute();

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
  // Any letter case, by the index organizations_city_lower.
  // Both sides lowered by PostgreSQL (JavaScript lowers "İ" differently): the index on lower(city) serves it.
  if (filter.city) query = query.where(sql`lower(city)`, "=", sql`lower(${filter.city})`);
  if (after) query = query.where((eb) => eb(eb.refTuple("name", "id"), ">", eb.tuple(after[0], after[1])));
  return query.execute();
}

/** Which of these files are their organization's logo (a logo is uploaded in its organization: a primary-key lookup). */
export async function logosAmong(
  db: Db,
  files: readonly { id: string; organizationId: string }[],
): Promise<Set<string>> {
  if (!files.length) return new Set();
  const rows = await db
    .selectFrom("organizations")
    .select("logoFileId")
    .where("id", "in", [...new Set(files.map((f) => f.organizationId))])
    .where(
      "logoFileId",
      "in",
      files.map((f) => f.id),
    )
    .execute();
  return new Set(rows.flatMap((r) => (r.logoFileId ? [r.logoFileId] : [])));
}

/** Every organization on the platform (the dashboard's platform block). */
export async function countOrganizations(db: Db): Promise<number> {
  const row = await db.selectFrom("organizations").select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
  return row.n;
}
