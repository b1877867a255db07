import type { ListTopicsInput, TopicSort, TopicSummary } from "@p2p/schemas";
import {
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Updateable,
} from "kysely";
import type { z } from "zod";
import type { Db } from "../../infra/postgres/db";
import type { Database, ForumSearchTable, ForumTopicsTable } from "../../infra/postgres/schema";
import { authorColumn } from "../users/authors";

type TopicQuery = SelectQueryBuilder<Database, "forumTopics" | "forumCategories", TopicRow>;

/** Topics the caller's organization may see: platform-wide ones and its own organization's. */
export const visibleTo = (orgId: string) => (eb: ExpressionBuilder<Database, "forumTopics">) =>
  eb.and([
    eb("forumTopics.deletedAt", "is", null),
    eb.or([eb("forumTopics.visibility", "=", "platform"), eb("forumTopics.organizationId", "=", orgId)]),
  ]);

/** Topic rows with their category, ready for `toTopicSummary` (authors are loaded in one batch). */
export function selectTopics(db: Db): TopicQuery {
  return db
    .selectFrom("forumTopics")
    .innerJoin("forumCategories", "forumCategories.id", "forumTopics.categoryId")
    .selectAll("forumTopics")
    .select(["forumCategories.slug as categorySlug", "forumCategories.name as categoryName"]);
}

export type TopicRow = Selectable<ForumTopicsTable> & { categorySlug: string; categoryName: string };

/** The columns a topic list shows (a summary), the category, and the author: one query, one round trip. */
export type TopicSummaryRow = Pick<
  TopicRow,
  | "id"
  | "title"
  | "categoryId"
  | "categorySlug"
  | "categoryName"
  | "visibility"
  | "tags"
  | "pinned"
  | "locked"
  | "answered"
  | "replyCount"
  | "viewCount"
  | "likeCount"
  | "lastActivityAt"
  | "createdAt"
> & { author: TopicSummary["author"] };

/**
 * Topic summaries with their category and author (the users module's `authorColumn`): only the
 * columns a list shows, so 20 rows are parsed and mapped for what is sent, in one round trip.
 */
export function selectTopicSummaries(
  db: Db,
): SelectQueryBuilder<Database, "forumTopics" | "forumCategories", TopicSummaryRow> {
  return db
    .selectFrom("forumTopics")
    .innerJoin("forumCategories", "forumCategories.id", "forumTopics.categoryId")
    .select((eb) => [
      "forumTopics.id",
      "forumTopics.title",
      "forumTopics.categoryId",
      "forumCategories.slug as categorySlug",
      "forumCategories.name as categoryName",
      "forumTopics.visibility",
      "forumTopics.tags",
      "forumTopics.pinned",
      "forumTopics.locked",
      "forumTopics.answered",
      "forumTopics.replyCount",
      "forumTopics.viewCount",
      "forumTopics.likeCount",
      "forumTopics.lastActivityAt",
      "forumTopics.createdAt",
      authorColumn(db, eb.ref("forumTopics.authorId")).as("author"),
    ]);
}

export function toTopicSummary(row: Omit<TopicSummaryRow, "author">, author: TopicSummary["author"]): TopicSummary {
  return {
    id: row.id,
    title: row.title,
    category: { id: row.categoryId, slug: row.categorySlug, name: row.categoryName },
    author,
    visibility: row.visibility,
    tags: row.tags,
    pinned: row.pinned,
    locked: row.locked,
    answered: row.answered,
    replyCount: row.replyCount,
    viewCount: row.viewCount,
    likeCount: row.likeCount,
    lastActivityAt: row.lastActivityAt,
    createdAt: row.createdAt,
  };
}

/** The sort columns, after `pinned desc`, each descending; `id` breaks ties. */
const sortColumns = {
  latest: ["forumTopics.createdAt"],
  unanswered: ["forumTopics.createdAt"],
  active: ["forumTopics.lastActivityAt"],
  top: ["forumTopics.likeCount", "forumTopics.replyCount"],
} as const;

type SortColumns = "id" | "pinned" | "createdAt" | "lastActivityAt" | "likeCount" | "replyCount";

export function sortKeyOf(row: Pick<TopicRow, SortColumns>, sort: z.infer<typeof TopicSort>): unknown[] {
  const key = {
    latest: [row.createdAt],
    unanswered: [row.createdAt],
    active: [row.lastActivityAt],
    top: [row.likeCount, row.replyCount],
  }[sort];
  return [row.pinned, ...key.map((v) => (v instanceof Date ? v.toISOString() : v)), row.id];
}

/** Orders by pinned first, then the sort, and continues after `cursor` (a keyset: no OFFSET). */
export function orderAndContinue<Q extends SelectQueryBuilder<Database, "forumTopics" | "forumCategories", unknown>>(
  query: Q,
  sort: z.infer<typeof TopicSort>,
  cursor: unknown[] | null,
): Q {
  const columns = ["forumTopics.pinned", ...sortColumns[sort], "forumTopics.id"] as const;
  let q = query as unknown as TopicQuery;
  if (cursor) {
    const values = cursor.map((v, i) => (i > 0 && typeof v === "string" && i < columns.length - 1 ? new Date(v) : v));
    // Every column is descending, so "after the cursor" is a single row comparison the index serves.
    q = q.where(
      sql<boolean>`(${sql.join(columns.map((c) => sql.ref(c)))}) < (${sql.join(values.map((v) => sql`${v}`))})`,
    );
  }
  for (const c of columns) q = q.orderBy(c, "desc");
  return q as unknown as Q;
}

/**
 * The listTopics query: visible topics, the filters, the sort and the keyset continuation, one row
 * more than a page (that row only says there is a next page). Exported so its plans can be checked.
 */
export function listTopicsQuery(
  db: Db,
  orgId: string,
  input: Omit<z.infer<typeof ListTopicsInput>, "cursor">,
  cursor: unknown[] | null,
) {
  let query = selectTopicSummaries(db).where(visibleTo(orgId));
  if (input.categoryId) query = query.where("forumTopics.categoryId", "=", input.categoryId);
  if (input.tag) query = query.where(sql<boolean>`${sql.ref("forumTopics.tags")} @> array[${input.tag}]::text[]`);
  if (input.authorId) query = query.where("forumTopics.authorId", "=", input.authorId);
  if (input.organizationId) query = query.where("forumTopics.organizationId", "=", input.organizationId);
  const answered = input.sort === "unanswered" ? false : input.answered;
  if (answered !== undefined) query = query.where("forumTopics.answered", "=", answered);
  return orderAndContinue(query, input.sort, cursor).limit(input.limit + 1);
}

export async function countLiveTopics(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("forumTopics")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("organizationId", "=", orgId)
    .where("deletedAt", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Categories with the number of live topics the organization may see in each. */
export async function listCategories(db: Db, orgId: string) {
  const rows = await db
    .selectFrom("forumCategories as c")
    .leftJoin("forumTopics", (join) => join.onRef("forumTopics.categoryId", "=", "c.id").on(visibleTo(orgId)))
    .select((eb) => [
      "c.id",
      "c.slug",
      "c.name",
      "c.description",
      eb.fn.count<number>("forumTopics.id").as("topicCount"),
    ])
    .groupBy(["c.id", "c.slug", "c.name", "c.description", "c.position"])
    .orderBy("c.position")
    .execute();
  return rows.map((r) => ({ ...r, topicCount: Number(r.topicCount) }));
}

export async function categoryExists(db: Db, categoryId: string): Promise<boolean> {
  return (
    (await db.selectFrom("forumCategories").select("id").where("id", "=", categoryId).executeTakeFirst()) !== undefined
  );
}

/** One visible, live topic with its category, or undefined. */
export const findVisibleTopicRow = (db: Db, orgId: string, id: string) =>
  selectTopics(db).where("forumTopics.id", "=", id).where(visibleTo(orgId)).executeTakeFirst();

/** Which of these topics the caller's organization may see (primary-key lookups). */
export async function visibleTopicIds(db: Db, orgId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .selectFrom("forumTopics")
    .select("forumTopics.id")
    .where("forumTopics.id", "in", ids)
    .where(visibleTo(orgId))
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * Topics by id as a reader in `orgId` may know them now, deleted ones included: their title, whether
 * they were deleted, and whether the reader may see them (a deleted topic's visibility still counts).
 */
export function topicsSeenBy(db: Db, orgId: string, ids: readonly string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom("forumTopics")
    .select((eb) => [
      "forumTopics.id",
      "forumTopics.title",
      "forumTopics.deletedAt",
      eb
        .or([eb("forumTopics.visibility", "=", "platform"), eb("forumTopics.organizationId", "=", orgId)])
        .as("visible"),
    ])
    .where("forumTopics.id", "in", ids)
    .execute();
}

/** Topic rows by id (for search hits: their visibility was checked by the search query). */
export const findTopicRows = (db: Db, ids: string[]) =>
  ids.length ? selectTopics(db).where("forumTopics.id", "in", ids).execute() : Promise.resolve([]);

export async function insertTopic(db: Db, topic: Insertable<ForumTopicsTable>): Promise<void> {
  await db.insertInto("forumTopics").values(topic).execute();
}

export async function updateTopic(db: Db, id: string, changes: Updateable<ForumTopicsTable>): Promise<void> {
  await db.updateTable("forumTopics").set(changes).where("id", "=", id).execute();
}

/** Counts one view per viewer per day; the new view count, or undefined when this viewer was counted today. */
export async function countView(db: Db, topicId: string, viewerId: string): Promise<number | undefined> {
  // The view row and the counter move together; a repeat visit the same day changes nothing.
  const counted = await sql<{ viewCount: number }>`
    with seen as (
      insert into forum_topic_views (topic_id, viewer_id, day) values (${topicId}, ${viewerId}, current_date)
      on conflict do nothing returning 1
    )
    update forum_topics set view_count = view_count + 1 where id = ${topicId} and exists (select 1 from seen)
    returning view_count`.execute(db);
  return counted.rows[0]?.viewCount;
}

/** A new reply: the topic's counters and last activity move with it. */
export async function recordReply(db: Db, topicId: string, reply: { at: Date; posterId: string }): Promise<void> {
  await db
    .updateTable("forumTopics")
    .set((eb) => ({ replyCount: eb("replyCount", "+", 1), lastActivityAt: reply.at, lastPosterId: reply.posterId }))
    .where("id", "=", topicId)
    .execute();
}

/**
 * A deleted reply leaves the counts, search and (if it was one) the best answer; its likes go with
 * it (a tombstone carries none). Run inside the caller's transaction.
 */
export async function removeReply(trx: Db, topic: { id: string; bestPostId: string | null }, postId: string) {
  await trx.deleteFrom("forumSearch").where("postId", "=", postId).execute();
  const unliked = await trx.deleteFrom("forumPostLikes").where("postId", "=", postId).executeTakeFirst();
  await trx
    .updateTable("forumTopics")
    .set((eb) => ({
      replyCount: eb("replyCount", "-", 1),
      likeCount: eb("likeCount", "-", Number(unliked.numDeletedRows)),
      ...(topic.bestPostId === postId ? { bestPostId: null, answered: false } : {}),
    }))
    .where("id", "=", topic.id)
    .execute();
}

/**
 * Likes or unlikes (one like per user per post: the primary key says so), keeping the topic's
 * like count in step. Run inside the caller's transaction; answers the post's like count.
 */
export async function setLike(trx: Db, like: { postId: string; userId: string; topicId: string }, liked: boolean) {
  const changed = liked
    ? await trx
        .insertInto("forumPostLikes")
        .values(like)
        .onConflict((oc) => oc.doNothing())
        .returning("postId")
        .execute()
    : await trx
        .deleteFrom("forumPostLikes")
        .where("postId", "=", like.postId)
        .where("userId", "=", like.userId)
        .returning("postId")
        .execute();
  if (changed.length) {
    await trx
      .updateTable("forumTopics")
      .set((eb) => ({ likeCount: eb("likeCount", liked ? "+" : "-", 1) }))
      .where("id", "=", like.topicId)
      .execute();
  }
  const row = await trx
    .selectFrom("forumPostLikes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("postId", "=", like.postId)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), changed: changed.length > 0 };
}

/** Like counts of many posts and whether `viewerId` liked each, in one query. */
export function likeStats(db: Db, postIds: string[], viewerId: string | null) {
  if (!postIds.length) return Promise.resolve([]);
  return db
    .selectFrom("forumPostLikes")
    .select((eb) => [
      "postId",
      eb.fn.countAll<number>().as("count"),
      sql<boolean>`bool_or(user_id = ${viewerId})`.as("mine"),
    ])
    .where("postId", "in", postIds)
    .groupBy("postId")
    .execute();
}

/** A post's search row: written in the same transaction as the post's PostgreSQL half (see post-write.ts). */
export async function insertSearchRow(db: Db, row: Insertable<ForumSearchTable>): Promise<void> {
  await db.insertInto("forumSearch").values(row).execute();
}

export async function updateSearchRow(db: Db, postId: string, changes: Updateable<ForumSearchTable>): Promise<void> {
  await db.updateTable("forumSearch").set(changes).where("postId", "=", postId).execute();
}

/** Of `postIds`, those whose PostgreSQL half committed (they have a search row). */
export async function committedPostIds(db: Db, postIds: string[]): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const rows = await db.selectFrom("forumSearch").select("postId").where("postId", "in", postIds).execute();
  return new Set(rows.map((r) => r.postId));
}
