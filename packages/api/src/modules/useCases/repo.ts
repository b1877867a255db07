import type { UseCaseStatus } from "@p2p/schemas";
import { type Insertable, type SqlBool, sql, type Updateable } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { UseCasesTable } from "../../infra/postgres/schema";
import { queryText } from "../../lib/search-text";
import { trendingScoreColumn } from "../dashboard/repo";
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
  "uc.contentRev",
  "uc.outcomes",
  "uc.coverFileId",
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
    .select(["uc.archivedReason", "uc.deletedAt", "uc.createdAt"])
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

/**
 * The PostgreSQL side of a use case's media list (in the caller's transaction): the card's cover
 * (the first file) and which files it shows.
 */
export async function setMediaFiles(db: Db, id: string, fileIds: readonly string[]) {
  await db
    .updateTable("useCases")
    .set({ coverFileId: fileIds[0] ?? null })
    .where("id", "=", id)
    .execute();
  await db.deleteFrom("useCaseMedia").where("useCaseId", "=", id).execute();
  if (fileIds.length)
    await db
      .insertInto("useCaseMedia")
      .values(fileIds.map((fileId) => ({ useCaseId: id, fileId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/** The use cases that show any of these files, with what their access check needs. */
export const rowsShowing = (db: Db, fileIds: readonly string[]) =>
  fileIds.length
    ? db
        .selectFrom("useCaseMedia as m")
        .innerJoin("useCases as uc", "uc.id", "m.useCaseId")
        .select(["m.fileId", "uc.id", "uc.status", "uc.ownerId", "uc.organizationId", "uc.deletedAt"])
        .where("m.fileId", "in", fileIds)
        .execute()
    : Promise.resolve([]);

/** Whether any use case shows this file. */
export const isShown = async (db: Db, fileId: string) =>
  !!(await db.selectFrom("useCaseMedia").select("fileId").where("fileId", "=", fileId).limit(1).executeTakeFirst());

/** Rows from before cards were kept in PostgreSQL, their card still to copy. */
export const cardPendingRows = (db: Db, limit: number) =>
  db.selectFrom("useCases").select(["id", "contentRev"]).where("cardPending", "=", true).limit(limit).execute();

/** A copied card, unless the content changed meanwhile (the next run copies that one). */
export const fillCard = (db: Db, id: string, rev: string, outcomes: string | null) =>
  db
    .updateTable("useCases")
    .set({ outcomes, cardPending: false })
    .where("id", "=", id)
    .where("contentRev", "=", rev)
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
  sort: "newest" | "mostViewed" | "nearest" | "trending";
}

const earth = (lat: number, lng: number) => sql`ll_to_earth(${lat}, ${lng})`;
const rowEarth = sql`ll_to_earth(uc.lat, uc.lng)`;
/**
 * Great-circle distance in metres from (lat, lng) to the row's point on earthdistance's sphere
 * (what `earth_distance` answers), by the haversine formula on the plain columns: a row's check
 * costs a few float operations instead of `ll_to_earth`'s cube and domain checks (about five
 * times the time per row where a radius holds thousands of use cases).
 */
const metresFrom = (lat: number, lng: number) =>
  sql<number>`(2 * earth() * asin(sqrt(
    sin(radians(uc.lat - ${lat}) / 2) ^ 2 + cos(radians(${lat}::float8)) * cos(radians(uc.lat)) * sin(radians(uc.lng - ${lng}) / 2) ^ 2)))`;

/** A search query in English and Arabic, either matching (as forums search does). */
// One tsquery (English or Arabic stems) rather than two @@ joined by OR: the planner estimates one
// match well, and a rare word then goes to the GIN index instead of a filtered walk of the newest.
const matches = (q: string) =>
  sql<SqlBool>`uc.document @@ (websearch_to_tsquery('english', ${queryText(q)}) || websearch_to_tsquery('arabic', ${queryText(q)}))`;

/**
 * Which rows of `status` the reader may see, or null for all of them: published ones are everyone's;
 * drafts and archived ones the reader's own or (as admin) their organization's, each side an index
 * (owner, org); archived ones all for a moderator.
 */
function readableBy(reader: Reader, status: UseCaseStatus) {
  if (status === "published" || (status === "archived" && reader.isModerator)) return null;
  return sql<SqlBool>`(uc.owner_id = ${reader.userId}${reader.isAdmin ? sql` or uc.organization_id = ${reader.organizationId}` : sql``})`;
}

/**
 * The newest use cases of `status` matching a text query that the reader may see, with only what
 * a search result shows (global search ranks up to a hundred of them and renders a page).
 */
export function textMatches(db: Db, reader: Reader, q: string, status: "published" | "draft", limit: number) {
  const time = status === "published" ? "uc.publishedAt" : "uc.updatedAt";
  const readable = readableBy(reader, status);
  let query = db
    .selectFrom("useCases as uc")
    .select(["uc.id", "uc.status", "uc.title", "uc.summary", "uc.publishedAt", "uc.updatedAt"])
    .where("uc.deletedAt", "is", null)
    .where("uc.status", "=", status)
    .where(matches(q));
  if (readable) query = query.where(readable);
  return query.orderBy(time, "desc").orderBy("uc.id", "desc").limit(limit).execute();
}

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
  const distance = f.near ? sql<number>`${metresFrom(f.near.lat, f.near.lng)} / 1000` : null;
  const status = f.status ?? "published";
  // Drafts and archived ones are listed by their last change; published ones by publication.
  const time = status === "published" ? "uc.publishedAt" : "uc.updatedAt";
  let query = selectSummaries(db)
    .select(distance ? distance.as("distanceKm") : sql<null>`null`.as("distanceKm"))
    .where("uc.deletedAt", "is", null)
    .where("uc.status", "=", status)
    .limit(limit + 1);
  const readable = readableBy(reader, status);
  if (readable) query = query.where(readable);
  if (f.industry) query = query.where("uc.industry", "=", f.industry);
  if (f.technologies?.length) {
    query = query.where(
      "uc.technologyKeys",
      "&&",
      sql<string[]>`${f.technologies.map((t) => t.toLowerCase())}::text[]`,
    );
  }
  if (f.tags?.length) query = query.where("uc.tags", "@>", sql<string[]>`${f.tags}::text[]`);
  // PostgreSQL lowers both sides: JavaScript lowers "İzmir" to "i̇zmir" (a combining dot), PostgreSQL to "izmir".
  if (f.city) query = query.where(sql`lower(uc.city)`, "=", sql`lower(${f.city})`);
  if (f.organizationId) query = query.where("uc.organizationId", "=", f.organizationId);
  if (f.q) query = query.where(matches(f.q));
  if (f.near) {
    const radius = f.near.radiusKm * 1000;
    const center = earth(f.near.lat, f.near.lng);
    query = query
      .where("uc.lat", "is not", null)
      .where(sql<SqlBool>`${metresFrom(f.near.lat, f.near.lng)} <= ${radius}`);
    // The box test (GiST) only where the order is distance. Sorted by time or views, a box scan
    // read every use case in a dense area (cube's `@>` is estimated at a fixed 0.1%) and sorted
    // them; the sort's own index, filtered by the cheap distance, stops after a page instead.
    if (f.sort === "nearest") query = query.where(sql<SqlBool>`earth_box(${center}, ${radius}) @> ${rowEarth}`);
  }
  if (f.sort === "nearest" && f.near && distance) {
    // Nearest first by the GiST earth index's own order (`<->`, straight-line distance: the same
    // order as along the surface), the inner query unlimited so that the outer one's tie-break
    // by id is an incremental sort of equally distant rows: the scan stops after a page instead
    // of sorting every use case within the radius. The cursor is that same `knn` value: the
    // distance shown (along the surface) rounds differently, and paging by it skipped and
    // repeated rows at almost equal distances.
    const knn = sql<number>`${rowEarth} <-> ${earth(f.near.lat, f.near.lng)}`;
    let nearest = db
      .selectFrom(query.clearLimit().select(knn.as("knn")).orderBy(knn).as("uc"))
      .selectAll()
      .orderBy("uc.knn")
      .orderBy("uc.id")
      .limit(limit + 1);
    if (cursor) nearest = nearest.where(sql<SqlBool>`(uc.knn, uc.id) > (${cursor[0]}::float8, ${cursor[1]}::uuid)`);
    // The rows are the inner query's (and `knn`): typed as that query's so callers see one shape.
    return nearest as unknown as typeof query;
  }
  if (f.sort === "trending") {
    // The dashboard's 7-day trending score (0 without one), then the newest id.
    const score = trendingScoreColumn(db, "useCases", "7d", sql.ref("uc.id"));
    query = query.select(score.as("trendingScore"));
    if (cursor) query = query.where(sql<SqlBool>`(${score}, uc.id) < (${Number(cursor[0])}, ${cursor[1]})`);
    return query.orderBy(score, "desc").orderBy("uc.id", "desc");
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
 * The rows of one list page. Nearest first runs with sorting disabled for its one statement: the
 * planner estimates the earth box at a fixed 0.1% of rows (cube's `@>` has no statistics), so with
 * other filters (industry, technology) it expected a row or two and fully sorted every match in the
 * box (22k rows read near Riyadh, 120 ms) instead of the incremental sort that stops after a page
 * (17 ms). `set local` keeps the setting to this transaction.
 */
export async function listRows(
  db: Db,
  reader: Reader,
  f: ListFilter,
  cursor: [string | number, string] | null,
  limit: number,
) {
  if (!(f.sort === "nearest" && f.near)) return listQuery(db, reader, f, cursor, limit).execute();
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_sort = off`.execute(trx);
    return listQuery(trx, reader, f, cursor, limit).execute();
  });
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
export const countPublished = (db: Db, orgId: string) => countPublishedWhere(db, { organizationId: orgId }, null);

/** Published, live use cases (of one owner or organization, or all) published since `since` (ever with null). */
export async function countPublishedWhere(
  db: Db,
  filter: { ownerId?: string; organizationId?: string },
  since: Date | null,
): Promise<number> {
  let query = db
    .selectFrom("useCases")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("status", "=", "published")
    .where("deletedAt", "is", null);
  if (filter.ownerId) query = query.where("ownerId", "=", filter.ownerId);
  if (filter.organizationId) query = query.where("organizationId", "=", filter.organizationId);
  if (since) query = query.where("publishedAt", ">=", since);
  return (await query.executeTakeFirstOrThrow()).n;
}

/** Of these ids, the published, live use cases: what trending shows of them. */
export const publishedFacts = (db: Db, ids: readonly string[]) =>
  ids.length
    ? db
        .selectFrom("useCases")
        .select(["id", "title", "organizationId", "industry"])
        .where("id", "in", ids)
        .where("status", "=", "published")
        .where("deletedAt", "is", null)
        .execute()
    : Promise.resolve([]);

/**
 * Deleted within the last `days`, for who may restore them (`canEdit`): the reader's own, or all of
 * their organization's as its admin; most recently deleted first (keyset on deleted_at, id).
 */
export const listDeleted = (
  db: Db,
  reader: Reader,
  days: number,
  after: readonly [deletedAt: string, id: string] | null,
  limit: number,
) => {
  let query = db
    .selectFrom("useCases as uc")
    .select(["uc.id", "uc.title", "uc.status", sql<Date>`uc.deleted_at`.as("deletedAt")])
    .select((eb) => authorColumn(db, eb.ref("uc.ownerId")).as("owner"))
    .where("uc.organizationId", "=", reader.organizationId)
    .where("uc.deletedAt", ">", sql<Date>`now() - make_interval(days => ${days})`);
  if (!reader.isAdmin) query = query.where("uc.ownerId", "=", reader.userId);
  if (after) {
    query = query.where((eb) => eb(eb.refTuple("uc.deletedAt", "uc.id"), "<", eb.tuple(new Date(after[0]), after[1])));
  }
  return query
    .orderBy("uc.deletedAt", "desc")
    .orderBy("uc.id", "desc")
    .limit(limit + 1)
    .execute();
};

/** Deleted more than `days` ago: gone for good (their documents too, by the caller). */
export const purgeDeleted = (db: Db, days: number) =>
  db
    .deleteFrom("useCases")
    .where("deletedAt", "<", sql<Date>`now() - make_interval(days => ${days})`)
    .returning("id")
    .execute();
