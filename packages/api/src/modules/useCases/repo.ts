import type { UseCaseStatus } from "@p2p/schemas";
import { type Insertable, type SqlBool, sql, type Updateable } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { UseCasesTable } from "../../infra/postgres/schema";
import { authorColumn } from "../users/authors";

/** Who is asking, as the visibility rules need it. */
export interface Reader {
  userId: string;
  organizationId: string;
  isAdmin: boolean;
  isModerator: boolean;
}

const summaryColumns = [
  "uc.id",
  "uc.status",
  "uc.title",
  "uc.summary",
  "uc.industry",
  "uc.technologies",
  "uc.tags",
  "uc.city",
  "uc.country",
  "uc.lat",
  "uc.lng",
  "uc.viewCount",
  "uc.publishedAt",
  "uc.updatedAt",
  "uc.organizationId",
  "uc.ownerId",
] as const;

/** Summary rows with their owner (and the owner's organization) as one JSON column. */
export const selectSummaries = (db: Db) =>
  db
    .selectFrom("useCases as uc")
    .select(summaryColumns)
    .select((eb) => authorColumn(db, eb.ref("uc.ownerId")).as("owner"));

export type SummaryRow = Awaited<ReturnType<ReturnType<typeof selectSummaries>["execute"]>>[number];

/** The row with everything a detail view needs (deleted ones too: restore finds them). */
export const findRow = (db: Db, id: string) =>
  selectSummaries(db)
    .select(["uc.contentRev", "uc.archivedReason", "uc.deletedAt", "uc.createdAt"])
    .where("uc.id", "=", id)
    .executeTakeFirst();
export type UseCaseRow = NonNullable<Awaited<ReturnType<typeof findRow>>>;

/** Several rows, for access checks. */
export const findRows = (db: Db, ids: readonly string[]) =>
  ids.length
    ? db
        .selectFrom("useCases as uc")
        .select(["uc.id", "uc.status", "uc.ownerId", "uc.organizationId", "uc.deletedAt", "uc.title"])
        .where("uc.id", "in", ids)
        .execute()
    : Promise.resolve([]);

/** Locks the row for the rest of the transaction: writes to one use case queue up. */
export const lockRow = (db: Db, id: string) =>
  db
    .selectFrom("useCases")
    .select(["id", "contentRev", "status", "deletedAt"])
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();

export const insertRow = (db: Db, row: Insertable<UseCasesTable>) => db.insertInto("useCases").values(row).execute();

export const updateRow = (db: Db, id: string, changes: Updateable<UseCasesTable>) =>
  db
    .updateTable("useCases")
    .set({ ...changes, updatedAt: new Date() })
    .where("id", "=", id)
    .execute();

/** Which of these ids have a row (the repair job's question). */
export async function existingRevs(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db.selectFrom("useCases").select(["id", "contentRev"]).where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, r.contentRev]));
}

export interface ListFilter {
  industry?: string;
  technologies?: string[];
  tags?: string[];
  city?: string;
  near?: { lat: number; lng: number; radiusKm: number };
  q?: string;
  organizationId?: string;
  status?: UseCaseStatus;
  sort: "newest" | "mostViewed" | "nearest";
}

const earth = (lat: number, lng: number) => sql`ll_to_earth(${lat}, ${lng})`;
const rowEarth = sql`ll_to_earth(uc.lat, uc.lng)`;

/** A search query in English and Arabic, either matching (as forums search does). */
const matches = (q: string) =>
  sql<SqlBool>`(uc.document @@ websearch_to_tsquery('english', ${q}) or uc.document @@ websearch_to_tsquery('arabic', ${q}))`;

/**
 * One page of use cases a reader may see, filtered and sorted, each filter served by an index
 * (technologies and tags by GIN, distance by the GiST earth index, text by the GIN document).
 * `cursor`: the sort key of the last row ([time or count or distance, id]).
 */
export function listQuery(
  db: Db,
  reader: Reader,
  f: ListFilter,
  cursor: [string | number, string] | null,
  limit: number,
) {
  const distance = f.near ? sql<number>`earth_distance(${earth(f.near.lat, f.near.lng)}, ${rowEarth}) / 1000` : null;
  const status = f.status ?? "published";
  // Drafts and archived ones are listed by their last change; published ones by publication.
  const time = status === "published" ? "uc.publishedAt" : "uc.updatedAt";
  let query = selectSummaries(db)
    .select(distance ? distance.as("distanceKm") : sql<null>`null`.as("distanceKm"))
    .where("uc.deletedAt", "is", null)
    .where("uc.status", "=", status)
    .limit(limit + 1);
  // Published ones are everyone's; drafts and archived ones the reader's own or (as admin) their
  // organization's, each side an index (owner, org); archived ones all for a moderator.
  if (status !== "published" && !(status === "archived" && reader.isModerator)) {
    query = query.where((eb) =>
      eb.or([
        eb("uc.ownerId", "=", reader.userId),
        ...(reader.isAdmin ? [eb("uc.organizationId", "=", reader.organizationId)] : []),
      ]),
    );
  }
  if (f.industry) query = query.where("uc.industry", "=", f.industry);
  if (f.technologies?.length) {
    query = query.where(
      "uc.technologyKeys",
      "&&",
      sql<string[]>`${f.technologies.map((t) => t.toLowerCase())}::text[]`,
    );
  }
  if (f.tags?.length) query = query.where("uc.tags", "@>", sql<string[]>`${f.tags}::text[]`);
  if (f.city) query = query.where(sql`lower(uc.city)`, "=", f.city.toLowerCase());
  if (f.organizationId) query = query.where("uc.organizationId", "=", f.organizationId);
  if (f.q) query = query.where(matches(f.q));
  if (f.near) {
    const radius = f.near.radiusKm * 1000;
    const center = earth(f.near.lat, f.near.lng);
    query = query
      .where("uc.lat", "is not", null)
      .where(sql<SqlBool>`earth_box(${center}, ${radius}) @> ${rowEarth}`)
      .where(sql<SqlBool>`earth_distance(${center}, ${rowEarth}) <= ${radius}`);
  }
  if (f.sort === "nearest" && distance) {
    if (cursor) query = query.where(sql<SqlBool>`(${distance}, uc.id) > (${cursor[0]}, ${cursor[1]})`);
    return query.orderBy(distance).orderBy("uc.id");
  }
  if (f.sort === "mostViewed") {
    if (cursor)
      query = query.where((eb) =>
        eb(eb.refTuple("uc.viewCount", "uc.id"), "<", eb.tuple(Number(cursor[0]), cursor[1])),
      );
    return query.orderBy("uc.viewCount", "desc").orderBy("uc.id", "desc");
  }
  if (cursor)
    query = query.where((eb) => eb(eb.refTuple(time, "uc.id"), "<", eb.tuple(new Date(cursor[0]), cursor[1])));
  return query.orderBy(time, "desc").orderBy("uc.id", "desc");
}

/**
 * Published use cases like this one: the same industry, shared technologies, or within 200 km,
 * scored by how many of these hold (then the newest).
 */
export function relatedQuery(
  db: Db,
  row: Pick<UseCaseRow, "id" | "industry" | "technologies" | "lat" | "lng">,
  limit: number,
) {
  const keys = row.technologies.map((t) => t.toLowerCase());
  const near =
    row.lat !== null && row.lng !== null
      ? sql<SqlBool>`(uc.lat is not null and earth_box(${earth(row.lat, row.lng)}, 200000) @> ${rowEarth})`
      : sql<SqlBool>`false`;
  const shared = sql<number>`cardinality(array(select unnest(uc.technology_keys) intersect select unnest(${keys}::text[])))`;
  return selectSummaries(db)
    .select(sql<null>`null`.as("distanceKm"))
    .where("uc.status", "=", "published")
    .where("uc.deletedAt", "is", null)
    .where("uc.id", "<>", row.id)
    .where((eb) =>
      eb.or([
        ...(row.industry ? [eb("uc.industry", "=", row.industry)] : []),
        ...(keys.length ? [eb("uc.technologyKeys", "&&", sql<string[]>`${keys}::text[]`)] : []),
        near,
      ]),
    )
    .orderBy(
      sql`(case when uc.industry = ${row.industry} then 2 else 0 end) + ${shared} + (case when ${near} then 1 else 0 end)`,
      "desc",
    )
    .orderBy("uc.publishedAt", "desc")
    .limit(limit);
}

/** Adds counted views (the batch from Redis) in one statement. */
export async function addViews(db: Db, counts: ReadonlyMap<string, number>): Promise<void> {
  if (!counts.size) return;
  const ids = [...counts.keys()];
  const adds = ids.map((id) => counts.get(id) as number);
  await sql`
    update use_cases set view_count = view_count + v.n
    from unnest(${ids}::uuid[], ${adds}::int[]) as v(id, n)
    where use_cases.id = v.id`.execute(db);
}

/** Published, live use cases of an organization (its stats). */
export async function countPublished(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("useCases")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("organizationId", "=", orgId)
    .where("status", "=", "published")
    .where("deletedAt", "is", null)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Deleted more than `days` ago: gone for good (their documents too, by the caller). */
export const purgeDeleted = (db: Db, days: number) =>
  db
    .deleteFrom("useCases")
    .where("deletedAt", "<", sql<Date>`now() - make_interval(days => ${days})`)
    .returning("id")
    .execute();
