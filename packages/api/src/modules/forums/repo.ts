import type { ListTopicsInput, TopicSort, TopicSummary } from "@p2p/schemas";
import { type ExpressionBuilder, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import type { z } from "zod";
import type { Db } from "../../infra/postgres/db";
import type { Database, ForumTopicsTable } from "../../infra/postgres/schema";

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

export function toTopicSummary(row: TopicRow, author: TopicSummary["author"]): TopicSummary {
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

export function sortKeyOf(row: TopicRow, sort: z.infer<typeof TopicSort>): unknown[] {
  const key = {
    latest: [row.createdAt],
    unanswered: [row.createdAt],
    active: [row.lastActivityAt],
    top: [row.likeCount, row.replyCount],
  }[sort];
  return [row.pinned, ...key.map((v) => (v instanceof Date ? v.toISOString() : v)), row.id];
}

/** Orders by pinned first, then the sort, and continues after `cursor` (a keyset: no OFFSET). */
export function orderAndContinue(
  query: TopicQuery,
  sort: z.infer<typeof TopicSort>,
  cursor: unknown[] | null,
): TopicQuery {
  const columns = ["forumTopics.pinned", ...sortColumns[sort], "forumTopics.id"] as const;
  let q = query;
  if (cursor) {
    const values = cursor.map((v, i) => (i > 0 && typeof v === "string" && i < columns.length - 1 ? new Date(v) : v));
    // Every column is descending, so "after the cursor" is a single row comparison the index serves.
    q = q.where(
      sql<boolean>`(${sql.join(columns.map((c) => sql.ref(c)))}) < (${sql.join(values.map((v) => sql`${v}`))})`,
    );
  }
  for (const c of columns) q = q.orderBy(c, "desc");
  return q;
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
): TopicQuery {
  let query = selectTopics(db).where(visibleTo(orgId));
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
