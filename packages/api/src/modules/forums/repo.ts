import type { ListTopicsInput, TopicSort, TopicSummary } from "@p2p/schemas";
import {
  type ExpressionBuilder,
  type Insertable,
  type QueryCreator,
  type RawBuilder,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Updateable,
} from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import type { z } from "zod";
import type { Db } from "../../infra/postgres/db";
import { preparedQuery, queryShapes } from "../../infra/postgres/prepared";
import type { Database, ForumSearchTable, ForumTopicsTable } from "../../infra/postgres/schema";
import { insertNotificationsSql, type NotificationColumns } from "../notifications/repo";
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

export type TopicRow = Omit<Selectable<ForumTopicsTable>, "clientMessageId" | "requestHash"> & {
  categorySlug: string;
  categoryName: string;
};

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

/** The columns of a topic summary but its author, for a query that joins forumTopics and forumCategories. */
export const topicSummaryColumns = [
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
] as const;

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
    .select(topicSummaryColumns)
    .select((eb) => authorColumn(db, eb.ref("forumTopics.authorId")).as("author"));
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
    // Every column is descending, so "after the cursor" is a single row comparison the index serves.
    q = q.where(
      sql<boolean>`(${sql.join(columns.map((c) => sql.ref(c)))}) < (${sql.join(cursor.map((v) => sql`${v}`))})`,
    );
  }
  for (const c of columns) q = q.orderBy(c, "desc");
  return q as unknown as Q;
}

/**
 * The listTopics query: visible topics, the filters, the sort and the keyset continuation, `fetch`
 * rows (a page and one more, which only says there is a next page). Exported so its plans can be
 * checked.
 */
export function listTopicsQuery(
  db: Db,
  orgId: string,
  input: Omit<z.infer<typeof ListTopicsInput>, "cursor" | "limit">,
  cursor: unknown[] | null,
  fetch: number,
) {
  let query = selectTopicSummaries(db).where(visibleTo(orgId));
  if (input.categoryId) query = query.where("forumTopics.categoryId", "=", input.categoryId);
  if (input.tag) query = query.where(sql<boolean>`${sql.ref("forumTopics.tags")} @> array[${input.tag}]::text[]`);
  if (input.authorId) query = query.where("forumTopics.authorId", "=", input.authorId);
  if (input.organizationId) query = query.where("forumTopics.organizationId", "=", input.organizationId);
  const answered = input.sort === "unanswered" ? false : input.answered;
  if (answered !== undefined) query = query.where("forumTopics.answered", "=", answered);
  return orderAndContinue(query, input.sort, cursor).limit(fetch);
}

/**
 * listTopicsQuery compiled once per shape (the sort, which filters, whether it continues after a
 * cursor) and prepared: planning it cost PostgreSQL more than running it (0.5–0.7 ms against 0.45
 * at 200 topics), and topic lists are read again after every write that changes one.
 */
const listTopicsShapes = queryShapes(
  "list_topics",
  (
    db,
    shape: {
      sort: z.infer<typeof TopicSort>;
      category: boolean;
      tag: boolean;
      author: boolean;
      organization: boolean;
      answered: boolean;
      after: boolean;
    },
    p: {
      orgId: string;
      categoryId?: string;
      tag?: string;
      authorId?: string;
      organizationId?: string;
      answered?: boolean;
      cursor0?: unknown;
      cursor1?: unknown;
      cursor2?: unknown;
      cursor3?: unknown;
      fetch: number;
    },
  ) =>
    listTopicsQuery(
      db,
      p.orgId,
      {
        sort: shape.sort,
        categoryId: shape.category ? p.categoryId : undefined,
        tag: shape.tag ? p.tag : undefined,
        authorId: shape.author ? p.authorId : undefined,
        organizationId: shape.organization ? p.organizationId : undefined,
        answered: shape.answered ? p.answered : undefined,
      },
      shape.after ? [p.cursor0, p.cursor1, p.cursor2, p.cursor3].slice(0, sortColumns[shape.sort].length + 2) : null,
      p.fetch,
    ),
  { prepared: true },
);

/**
 * A page of topics for listTopics (and one row more): see listTopicsQuery. A cursor's instants go
 * as Dates (pg writes any year PostgreSQL takes, e.g. year 0 as 1 BC, which its ISO text is not).
 */
export const listTopicRows = (
  db: Db,
  orgId: string,
  input: Omit<z.infer<typeof ListTopicsInput>, "cursor">,
  sortKey: unknown[] | null,
) => {
  const cursor = sortKey?.map((v, i) => (i > 0 && i < sortKey.length - 1 && typeof v === "string" ? new Date(v) : v));
  return listTopicsShapes(
    db,
    {
      sort: input.sort,
      category: input.categoryId !== undefined,
      tag: input.tag !== undefined,
      author: input.authorId !== undefined,
      organization: input.organizationId !== undefined,
      answered: input.answered !== undefined,
      after: cursor !== undefined,
    },
    {
      orgId,
      categoryId: input.categoryId,
      tag: input.tag,
      authorId: input.authorId,
      organizationId: input.organizationId,
      answered: input.answered,
      cursor0: cursor?.[0],
      cursor1: cursor?.[1],
      cursor2: cursor?.[2],
      cursor3: cursor?.[3],
      fetch: input.limit + 1,
    },
  );
};

export async function countLiveTopics(db: Db, orgId: string, since?: Date | null): Promise<number> {
  return countTopicsWhere(db, { organizationId: orgId }, since ?? null);
}

/**
 * Live topics created since `since` (all with null) by one author, of one organization, or (with
 * `platform`) every topic visible platform-wide. The author and organization filters use their indexes.
 */
export async function countTopicsWhere(
  db: Db,
  filter: { authorId?: string; organizationId?: string; platform?: boolean },
  since: Date | null,
): Promise<number> {
  let query = db.selectFrom("forumTopics").select(sql<number>`count(*)::int`.as("n")).where("deletedAt", "is", null);
  if (filter.authorId) query = query.where("authorId", "=", filter.authorId);
  if (filter.organizationId) query = query.where("organizationId", "=", filter.organizationId);
  if (filter.platform) query = query.where("visibility", "=", "platform");
  if (since) query = query.where("createdAt", ">=", since);
  return (await query.executeTakeFirstOrThrow()).n;
}

const createdSince = (since: Date | null) => (since ? sql`and s.created_at >= ${since}` : sql``);

/** Live posts (a search row each) by an organization's members created since `since` (all with null). */
export async function countOrganizationPosts(db: Db, orgId: string, since: Date | null): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from forum_search s where s.organization_id = ${orgId} ${createdSince(since)}`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

/**
 * A person's live posts created since `since` (all with null): replies (those that do not open a
 * topic) and best answers (of live topics). On the author index, each post's topic by primary key.
 */
export async function countPersonPosts(db: Db, userId: string, since: Date | null) {
  const { rows } = await sql<{ replies: number; bestAnswers: number }>`
    select count(*) filter (where not s.opening)::int as replies,
           count(*) filter (where t.best_post_id = s.post_id and t.deleted_at is null)::int as "bestAnswers"
    from forum_search s join forum_topics t on t.id = s.topic_id
    where s.author_id = ${userId} ${createdSince(since)}`.execute(db);
  return rows[0] ?? { replies: 0, bestAnswers: 0 };
}

/** Search rows from before 0014, their author, organization and attachments still to copy from MongoDB. */
export const postsWithoutFacts = (db: Db, limit: number) =>
  db.selectFrom("forumSearch").select("postId").where("factsPending", "=", true).limit(limit).execute();

/**
 * A post's facts from its MongoDB document (null: none to copy), and the row marked done. Again
 * after a crash half-way: both steps are idempotent.
 */
export async function setPostFacts(
  db: Db,
  postId: string,
  post: { topicId: string; authorId: string; organizationId: string; attachmentIds: string[] } | null,
) {
  if (post) await insertPostFiles(db, postId, post.topicId, post.attachmentIds);
  await db
    .updateTable("forumSearch")
    .set({ authorId: post?.authorId ?? null, organizationId: post?.organizationId ?? null, factsPending: false })
    .where("postId", "=", postId)
    .execute();
}

/** A post's attachments (after its search row, in the same transaction when it is new). */
export async function insertPostFiles(db: Db, postId: string, topicId: string, fileIds: readonly string[]) {
  if (!fileIds.length) return;
  await db
    .insertInto("forumPostFiles")
    .values(fileIds.map((fileId) => ({ postId, fileId, topicId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The live posts' topics holding any of these files. */
export const topicsHoldingFiles = (db: Db, fileIds: readonly string[]) =>
  fileIds.length
    ? db.selectFrom("forumPostFiles").select(["fileId", "topicId"]).where("fileId", "in", fileIds).execute()
    : Promise.resolve([]);

/** A topic's trending signals within a window: counts, and the same weighted by age (see `topicSignals`). */
export interface TopicSignals {
  topicId: string;
  organizationId: string;
  visibility: "platform" | "organization";
  categoryId: string;
  bestPostId: string | null;
  views: number;
  replies: number;
  likes: number;
  viewWeight: number;
  replyWeight: number;
  likeWeight: number;
}

/**
 * Per live topic with any view, reply or like since `since`: how many, and each summed with the
 * weight 2^(-age / halfLife) (a view counts from the middle of its day). For the dashboard's
 * trending job; views are one per viewer per day (forum_topic_views), replies are posts other than
 * the first (forum_search rows), likes are current likes.
 */
export async function topicSignals(db: Db, since: Date, halfLifeMs: number): Promise<TopicSignals[]> {
  const halfLife = halfLifeMs / 1000;
  const weight = (at: ReturnType<typeof sql>) => sql`sum(power(2, -extract(epoch from (now() - ${at})) / ${halfLife}))`;
  const result = await sql<TopicSignals>`
    with v as (
      select topic_id, count(*)::int as n,
             ${weight(sql`least(now(), day::timestamptz + interval '12 hours')`)}::float8 as w
      from forum_topic_views where day >= ${since}::date group by topic_id
    ), r as (
      select s.topic_id, count(*)::int as n, ${weight(sql`s.created_at`)}::float8 as w
      from forum_search s join forum_topics t on t.id = s.topic_id
      where s.created_at >= ${since} and s.post_id <> t.first_post_id group by s.topic_id
    ), l as (
      select topic_id, count(*)::int as n, ${weight(sql`created_at`)}::float8 as w
      from forum_post_likes where created_at >= ${since} group by topic_id
    ), ids as (select topic_id from v union select topic_id from r union select topic_id from l)
    select t.id as "topicId", t.organization_id as "organizationId", t.visibility,
           t.category_id as "categoryId", t.best_post_id as "bestPostId",
           coalesce(v.n, 0) as views, coalesce(r.n, 0) as replies, coalesce(l.n, 0) as likes,
           coalesce(v.w, 0) as "viewWeight", coalesce(r.w, 0) as "replyWeight", coalesce(l.w, 0) as "likeWeight"
    from ids join forum_topics t on t.id = ids.topic_id and t.deleted_at is null
    left join v on v.topic_id = ids.topic_id left join r on r.topic_id = ids.topic_id
    left join l on l.topic_id = ids.topic_id`.execute(db);
  return result.rows;
}

/** Live topics by id with their visibility, organization, category and best answer (trending's answered topics). */
export const topicFacts = (db: Db, ids: readonly string[]) =>
  ids.length
    ? db
        .selectFrom("forumTopics")
        .select(["id", "organizationId", "visibility", "categoryId", "bestPostId"])
        .where("id", "in", ids)
        .where("deletedAt", "is", null)
        .execute()
    : Promise.resolve([]);

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

/** A topic row's columns, named: a prepared `*` breaks once a migration adds a column. */
const TOPIC_COLUMNS = [
  "forumTopics.id",
  "forumTopics.categoryId",
  "forumTopics.authorId",
  "forumTopics.organizationId",
  "forumTopics.visibility",
  "forumTopics.title",
  "forumTopics.tags",
  "forumTopics.firstPostId",
  "forumTopics.bestPostId",
  "forumTopics.answered",
  "forumTopics.pinned",
  "forumTopics.locked",
  "forumTopics.replyCount",
  "forumTopics.viewCount",
  "forumTopics.likeCount",
  "forumTopics.lastActivityAt",
  "forumTopics.lastPosterId",
  "forumTopics.createdAt",
  "forumTopics.updatedAt",
  "forumTopics.deletedAt",
] as const;

/**
 * The topic every forum call starts from (reading it, posting, liking, typing): the most frequent
 * statement of the forums, which PostgreSQL keeps prepared (planning it cost five times running it).
 */
const visibleTopicRowOf = (db: Db, orgId: string, id: string) =>
  db
    .selectFrom("forumTopics")
    .innerJoin("forumCategories", "forumCategories.id", "forumTopics.categoryId")
    .select([...TOPIC_COLUMNS, "forumCategories.slug as categorySlug", "forumCategories.name as categoryName"])
    .where("forumTopics.id", "=", id)
    .where(visibleTo(orgId));
const visibleTopicRow = preparedQuery("visible_topic", visibleTopicRowOf);

/**
 * findVisibleTopicRow, with the like stats of these posts (as likeStats) in the same statement:
 * for a page of posts the node has cached, the topic and its page need one round trip.
 */
const visibleTopicWithLikesQuery = preparedQuery(
  "visible_topic_with_likes",
  (db, orgId: string, id: string, postIds: string[], viewerId: string) =>
    visibleTopicRowOf(db, orgId, id).select(jsonArrayFrom(likeStatsOf(db, postIds, viewerId)).as("likes")),
);
export async function findVisibleTopicWithLikes(
  db: Db,
  orgId: string,
  id: string,
  postIds: string[],
  viewerId: string,
): Promise<{ topic: TopicRow; likes: LikeStat[] } | undefined> {
  const [row] = await visibleTopicWithLikesQuery(db, orgId, id, postIds, viewerId);
  if (!row) return undefined;
  const { likes, ...topic } = row;
  return { topic, likes };
}

/** One visible, live topic with its category, or undefined. */
export const findVisibleTopicRow = async (db: Db, orgId: string, id: string): Promise<TopicRow | undefined> =>
  (await visibleTopicRow(db, orgId, id))[0];

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
  return ids.length ? topicsSeenByQuery(db, orgId, ids).execute() : Promise.resolve([]);
}

const topicsSeenByQuery = (db: Db, orgId: string, ids: readonly string[]) =>
  db
    .selectFrom("forumTopics")
    .select((eb) => [
      "forumTopics.id",
      "forumTopics.title",
      "forumTopics.deletedAt",
      eb
        .or([eb("forumTopics.visibility", "=", "platform"), eb("forumTopics.organizationId", "=", orgId)])
        .as("visible"),
    ])
    .where(sql<boolean>`forum_topics.id = any(${ids}::uuid[])`);

/**
 * The topics as topicsSeenBy gives them (`deletedAt` as JSON text) and which of the posts are live
 * (have a search row), in one statement: what a forum notification points at, read on every
 * delivery and inbox page.
 */
export async function topicsAndLivePosts(db: Db, orgId: string, topicIds: readonly string[], postIds: string[]) {
  if (!topicIds.length) return { topics: [], live: new Set<string>() };
  const [row] = await topicsAndLivePostsQuery(db, orgId, [...topicIds], postIds);
  return { topics: row?.topics ?? [], live: new Set(row?.live ?? []) };
}

const topicsAndLivePostsQuery = preparedQuery(
  "topics_and_live_posts",
  (db, orgId: string, topicIds: string[], postIds: string[]) =>
    db.selectNoFrom((eb) => [
      jsonArrayFrom(topicsSeenByQuery(db, orgId, topicIds)).as("topics"),
      eb
        .selectFrom("forumSearch")
        .select(sql<string[]>`coalesce(array_agg(post_id), '{}')`.as("ids"))
        .where(sql<boolean>`post_id = any(${postIds}::uuid[])`)
        .as("live"),
    ]),
);

export async function insertTopic(db: Db, topic: Insertable<ForumTopicsTable>): Promise<void> {
  await db.insertInto("forumTopics").values(topic).execute();
}

/** The author's topic made with this client key (forum_topics_client_key), and the fingerprint of its request. */
export const findTopicByClientKey = (db: Db, authorId: string, clientMessageId: string) =>
  db
    .selectFrom("forumTopics")
    .select(["id", "requestHash"])
    .where("authorId", "=", authorId)
    .where("clientMessageId", "=", clientMessageId)
    .executeTakeFirst();

/** The author's live post made with this client key (forum_search_client_key), and the fingerprint of its request. */
export const findPostByClientKey = (db: Db, authorId: string, clientMessageId: string) =>
  db
    .selectFrom("forumSearch")
    .select(["postId", "requestHash"])
    .where("authorId", "=", authorId)
    .where("clientMessageId", "=", clientMessageId)
    .executeTakeFirst();

export async function updateTopic(db: Db, id: string, changes: Updateable<ForumTopicsTable>): Promise<void> {
  await db.updateTable("forumTopics").set(changes).where("id", "=", id).execute();
}

/** Counts one view per viewer per day; the new view count, or undefined when this viewer was counted today. */
export async function countView(db: Db, topicId: string, viewerId: string): Promise<number | undefined> {
  return (await countViewQuery(db, topicId, viewerId))[0]?.viewCount;
}

// The view row and the counter move together; a repeat visit the same day changes nothing.
const countViewQuery = preparedQuery("count_view", (db, topicId: string, viewerId: string) => ({
  compile: () =>
    sql<{ viewCount: number }>`
      with seen as (
        insert into forum_topic_views (topic_id, viewer_id, day) values (${topicId}, ${viewerId}, current_date)
        on conflict do nothing returning 1
      )
      update forum_topics set view_count = view_count + 1 where id = ${topicId} and exists (select 1 from seen)
      returning view_count`.compile(db),
}));

/**
 * The topic's row, locked for the rest of the transaction: every write that changes what a topic
 * holds (a reply, a like, a deletion, the best answer, a flag) takes it first, so two of them at
 * once see each other's result (a like never lands on a reply deleted meanwhile, a reply never in
 * a topic deleted meanwhile). Undefined when the topic is gone or deleted.
 */
const lockLiveTopicQuery = preparedQuery("lock_live_topic", (trx, id: string) =>
  trx
    .selectFrom("forumTopics")
    .select(["id", "bestPostId", "pinned", "locked", "title"])
    .where("id", "=", id)
    .where("deletedAt", "is", null)
    .forUpdate(),
);
export const lockLiveTopic = async (trx: Db, id: string) => (await lockLiveTopicQuery(trx, id))[0];

/**
 * Whether the post is live: its search row is there (a deleted reply has none). Asked in its own
 * statement after lockLiveTopic: a statement that waited for the lock still reads from before the
 * wait, and would miss a deletion committed meanwhile.
 */
const livePostQuery = preparedQuery("live_post", (db, postId: string) =>
  db.selectFrom("forumSearch").select("postId").where("postId", "=", postId),
);
export async function isLivePost(db: Db, postId: string): Promise<boolean> {
  return (await livePostQuery(db, postId)).length > 0;
}

/**
 * A reply's PostgreSQL half in one statement, so a reply with nothing else to write needs no
 * transaction (each round trip costs both processes a wake-up): the live, unlocked topic counts it
 * and moves its last activity, which takes the topic's row lock (an UPDATE that waited for it checks
 * the row as it is after the wait, and answers the title as it is then); only then go the reply's
 * search row and its notifications in. Answers whether it was written: nothing is when the topic
 * is deleted or locked.
 */
const writeReplyQuery = preparedQuery("write_reply", (db, ...args: [...SearchRowColumns, ...NotificationColumns]) => {
  const row = args.slice(0, SEARCH_ROW_ARITY) as SearchRowColumns;
  const notifications = args.slice(SEARCH_ROW_ARITY) as NotificationColumns;
  const [, topicId, , createdAt, authorId] = row;
  return {
    compile: () =>
      sql<{ written: boolean }>`
        with counted as (
          update forum_topics
          set reply_count = reply_count + 1, last_activity_at = ${createdAt}::timestamptz, last_poster_id = ${authorId}::uuid
          where id = ${topicId}::uuid and deleted_at is null and not locked
          returning id, title, visibility, organization_id
        ), written as (
          ${insertSearchRowSql(row, sql`counted`)}
        ), notified as (
          ${insertNotificationsSql(notifications, sql`exists (select from written)`)}
        )
        select exists (select from written) as written`.compile(db),
  };
});

/** Writes a reply's search row, counts it in its topic and stores its notifications (writeReplyQuery). */
export async function writeReply(db: Db, row: SearchRow, notifications: NotificationColumns): Promise<boolean> {
  const [result] = await writeReplyQuery(db, ...searchRowColumns(row), ...notifications);
  return result?.written === true;
}

/**
 * A post's search row (`s`) with its topic, both locked in the order a deletion takes them: first
 * the topic's row (as lockLiveTopic: every change of what a topic holds takes it first), then a
 * key-share lock on the search row, which keeps the post's deletion out until the writer commits
 * (edits still go through). PostgreSQL takes a statement's row locks in the order its locking
 * clauses name them, and a row deleted while the statement waited is skipped: a post deleted
 * meanwhile is not found. For a reply to the post and for a like of it.
 */
const lockedPost = (db: QueryCreator<Database>, postId: string) =>
  db
    .selectFrom("forumSearch as s")
    .innerJoin("forumTopics", "forumTopics.id", "s.topicId")
    .where("s.postId", "=", postId)
    .forUpdate("forumTopics")
    .forKeyShare("s");

/** The topic and the post a reply answers, locked for the rest of the transaction (lockedPost); whether both are live. */
const lockAnsweredPostQuery = preparedQuery("lock_answered_post", (trx, topicId: string, postId: string) =>
  lockedPost(trx, postId)
    .select("s.postId")
    .where("s.topicId", "=", topicId)
    .where("forumTopics.deletedAt", "is", null),
);
export const lockAnsweredPost = async (trx: Db, topicId: string, postId: string) =>
  (await lockAnsweredPostQuery(trx, topicId, postId)).length > 0;

/**
 * A deleted topic's posts are no longer live: their search rows go (their download rows with
 * them). Answers their authors and organizations, whose counts changed.
 */
export async function removeTopicPosts(trx: Db, topicId: string) {
  const rows = await trx
    .deleteFrom("forumSearch")
    .where("topicId", "=", topicId)
    .returning(["authorId", "organizationId"])
    .execute();
  return { users: rows.map((r) => r.authorId), orgs: rows.map((r) => r.organizationId) };
}

/**
 * A deleted reply leaves the counts, search and (if it was one) the best answer; its likes go with
 * it (a tombstone carries none). Run inside the caller's transaction. Answers null when the reply
 * (or its topic) was removed already: two deletions at once count once. Takes the topic's lock
 * first, so the best answer it clears is the current one.
 */
export async function removeReply(trx: Db, topicId: string, postId: string): Promise<{ wasBest: boolean } | null> {
  const topic = await lockLiveTopic(trx, topicId);
  if (!topic) return null;
  const removed = await trx.deleteFrom("forumSearch").where("postId", "=", postId).executeTakeFirst();
  if (!removed.numDeletedRows) return null;
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
  return { wasBest: topic.bestPostId === postId };
}

/**
 * A like (or its removal) in one statement, under the locks a deletion takes (lockedPost), which
 * last this statement only. Only a live post of a live topic the organization may see. A like is
 * written only when the post's author is known and is not the liker, or when `authorChecked` (the
 * caller found the author of a row from before migration 0014, not filled in yet, in its
 * document); the topic's like count follows the change. Answers the topic, the post's author and
 * whether the like changed, or nothing when there is no such post.
 */
const likeWriteQuery = (liked: boolean) =>
  preparedQuery(
    liked ? "like_post" : "unlike_post",
    // An unlike has no author to check: it is called without `authorChecked`.
    (db, orgId: string, postId: string, userId: string, authorChecked?: boolean) =>
      db
        .with("locked", (db) =>
          lockedPost(db, postId)
            .select([
              "forumTopics.id",
              "forumTopics.title",
              "forumTopics.visibility",
              "forumTopics.authorId",
              "forumTopics.organizationId",
              "s.postId",
              "s.authorId as postAuthorId",
            ])
            .where(visibleTo(orgId)),
        )
        .with("changed", (db) =>
          liked
            ? db
                .insertInto("forumPostLikes")
                .columns(["postId", "userId", "topicId"])
                .expression((eb) =>
                  eb
                    .selectFrom("locked")
                    .select(["locked.postId", sql<string>`${userId}::uuid`.as("userId"), "locked.id"])
                    .where(sql<boolean>`coalesce(locked.post_author_id <> ${userId}::uuid, ${authorChecked}::boolean)`),
                )
                .onConflict((oc) => oc.doNothing())
                .returning("postId")
            : db
                .deleteFrom("forumPostLikes")
                .where("postId", "in", (eb) => eb.selectFrom("locked").select("locked.postId"))
                .where("userId", "=", userId)
                .returning("postId"),
        )
        .with("counted", (db) =>
          db
            .updateTable("forumTopics")
            .set((eb) => ({ likeCount: eb("likeCount", liked ? "+" : "-", 1) }))
            .where("id", "in", (eb) => eb.selectFrom("locked").select("locked.id"))
            .where(({ exists, selectFrom }) => exists(selectFrom("changed").select("postId")))
            .returning("id"),
        )
        .selectFrom("locked")
        .select([
          "locked.id",
          "locked.title",
          "locked.visibility",
          "locked.authorId",
          "locked.organizationId",
          "locked.postAuthorId",
        ])
        .select((eb) => eb.exists(eb.selectFrom("changed").select("postId")).as("changed")),
  );
const likeWrite = likeWriteQuery(true);
const unlikeWrite = likeWriteQuery(false);

/** Likes or unlikes a post (likeWriteQuery); undefined when there is no such post for the caller. */
export async function writeLike(
  db: Db,
  caller: { organizationId: string; userId: string },
  postId: string,
  liked: boolean,
  authorChecked: boolean,
) {
  const [row] = liked
    ? await likeWrite(db, caller.organizationId, postId, caller.userId, authorChecked)
    : await unlikeWrite(db, caller.organizationId, postId, caller.userId);
  return row;
}

const likeStatsOf = (db: Db, postIds: string[], viewerId: string | null) =>
  db
    .selectFrom("forumPostLikes")
    .select((eb) => [
      "postId",
      eb.fn.countAll<number>().as("count"),
      sql<boolean>`bool_or(user_id = ${viewerId})`.as("mine"),
    ])
    .where(sql<boolean>`post_id = any(${postIds}::uuid[])`)
    .groupBy("postId");
const likeStatsQuery = preparedQuery("like_stats", likeStatsOf);

/** A post's like count (a bigint: text from a row, a number from JSON) and whether the viewer liked it. */
export type LikeStat = { postId: string; count: number | string | bigint; mine: boolean };

/** Like counts of many posts and whether `viewerId` liked each, in one query. */
export function likeStats(db: Db, postIds: string[], viewerId: string | null): Promise<LikeStat[]> {
  if (!postIds.length) return Promise.resolve([]);
  return likeStatsQuery(db, postIds, viewerId);
}

/**
 * A post's search row, with its topic's title as it is now: read in the statement, after the
 * transaction took the topic's lock (or inserted the topic), so a rename committed meanwhile is in it.
 */
export async function insertSearchRow(db: Db, row: SearchRow): Promise<void> {
  const inserted = await insertSearchRowQuery(db, ...searchRowColumns(row));
  if (!inserted.length) throw new Error("insertSearchRow: the post's topic is not there");
}

/** A post's search row: its text and facts (see post-write.ts); the title comes from its topic. */
export type SearchRow = {
  postId: string;
  topicId: string;
  body: string;
  createdAt: Date;
  authorId: string;
  organizationId: string;
  opening: boolean;
  clientMessageId?: string;
  requestHash?: string;
};

/** A search row's values as a statement's arguments, in this order. */
type SearchRowColumns = [
  postId: string,
  topicId: string,
  body: string,
  createdAt: Date,
  authorId: string,
  organizationId: string,
  opening: boolean,
  clientMessageId: string | null,
  requestHash: string | null,
];
/** How many arguments a search row is (typed: the compiler checks it against SearchRowColumns). */
const SEARCH_ROW_ARITY: SearchRowColumns["length"] = 9;
const searchRowColumns = (row: SearchRow): SearchRowColumns => [
  row.postId,
  row.topicId,
  row.body,
  row.createdAt,
  row.authorId,
  row.organizationId,
  row.opening,
  row.clientMessageId ?? null,
  row.requestHash ?? null,
];

/**
 * The insert of a search row, its topic's title, visibility and organization read from `topics`
 * (the table, or a statement's locked row).
 */
const insertSearchRowSql = (
  [postId, topicId, body, createdAt, authorId, organizationId, opening, clientMessageId, requestHash]: SearchRowColumns,
  topics: RawBuilder<unknown>,
) => sql`
  insert into forum_search (post_id, topic_id, title, body, created_at, author_id, organization_id, opening,
    client_message_id, request_hash, topic_visibility, topic_organization_id)
  select ${postId}::uuid, t.id, t.title, ${body}::text, ${createdAt}::timestamptz, ${authorId}::uuid,
    ${organizationId}::uuid, ${opening}::boolean, ${clientMessageId}::text, ${requestHash}::text,
    t.visibility, t.organization_id
  from ${topics} t
  where t.id = ${topicId}::uuid
  returning post_id`;

const insertSearchRowQuery = preparedQuery("insert_search_row", (db, ...row: SearchRowColumns) => ({
  compile: () => insertSearchRowSql(row, sql`forum_topics`).compile(db),
}));

/** A renamed topic's title on every one of its posts' search rows (each is found and shown by it). */
export async function retitleSearchRows(db: Db, topicId: string, title: string): Promise<void> {
  await db.updateTable("forumSearch").set({ title }).where("topicId", "=", topicId).execute();
}

/** Answers whether the row was there (a deleted reply has none). */
export async function updateSearchRow(db: Db, postId: string, changes: Updateable<ForumSearchTable>): Promise<boolean> {
  const result = await db.updateTable("forumSearch").set(changes).where("postId", "=", postId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Of `postIds`, those whose PostgreSQL half committed (they have a search row). */
export async function committedPostIds(db: Db, postIds: string[]): Promise<Set<string>> {
  if (!postIds.length) return new Set();
  const rows = await db.selectFrom("forumSearch").select("postId").where("postId", "in", postIds).execute();
  return new Set(rows.map((r) => r.postId));
}
