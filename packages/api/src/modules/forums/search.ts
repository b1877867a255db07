import type { ForumSearchInput, TopicSummary } from "@p2p/schemas";
import { sql } from "kysely";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import { decodeCursor, encodeCursor } from "../../trpc/pagination";
import type { Principal } from "../auth/authenticator";
import { loadAuthors } from "../users/authors";
import { selectTopics, toTopicSummary } from "./repo";

const OPEN = "\u0001";
const CLOSE = "\u0002";
const ARABIC = /[\u0600-\u06FF]/;

/** ts_headline marks hits with control characters; everything else is escaped before <mark> goes in. */
function toSnippet(raw: string): string {
  return raw
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replaceAll(OPEN, "<mark>")
    .replaceAll(CLOSE, "</mark>");
}

const RelevanceCursor = z.tuple([z.literal("r"), z.number().int().min(0).max(10_000)]);
const LatestCursor = z.tuple([z.literal("l"), z.iso.datetime({ offset: true }), z.uuid()]);

/**
 * Full-text search over titles and post bodies (English and Arabic stemming side by side), one
 * hit per topic (its best post), only topics the caller may see. Snippets are computed for the
 * returned page only.
 */
export async function searchForums(deps: AppDeps, caller: Principal, input: z.infer<typeof ForumSearchInput>) {
  const query = sql`(websearch_to_tsquery('english', ${input.q}) || websearch_to_tsquery('arabic', ${input.q}))`;
  const relevance = input.sort === "relevance";
  const offset = relevance ? (decodeCursor(input.cursor, RelevanceCursor)?.[1] ?? 0) : 0;
  const after = relevance ? null : decodeCursor(input.cursor, LatestCursor);

  const best = deps.db
    .selectFrom("forumSearch as s")
    .innerJoin("forumTopics", "forumTopics.id", "s.topicId")
    .select(["s.topicId", "s.postId", "s.createdAt", sql<number>`ts_rank_cd(s.document, ${query})`.as("rank")])
    .distinctOn("s.topicId")
    .where(sql<boolean>`s.document @@ ${query}`)
    .where("forumTopics.deletedAt", "is", null)
    .where((eb) =>
      eb.or([
        eb("forumTopics.visibility", "=", "platform"),
        eb("forumTopics.organizationId", "=", caller.organizationId),
      ]),
    )
    .$if(input.categoryId !== undefined, (q) => q.where("forumTopics.categoryId", "=", input.categoryId as string))
    .$if(input.answered !== undefined, (q) => q.where("forumTopics.answered", "=", input.answered as boolean))
    .orderBy("s.topicId")
    .orderBy(sql`ts_rank_cd(s.document, ${query})`, "desc");

  const config = ARABIC.test(input.q) ? "arabic" : "english";
  const hits = await deps.db
    .selectFrom(best.as("hit"))
    .innerJoin("forumSearch as s", "s.postId", "hit.postId")
    .select([
      "hit.topicId",
      "hit.postId",
      "hit.createdAt",
      "hit.rank",
      sql<string>`ts_headline(${sql.lit(config)}::regconfig, s.body, ${query},
        ${`StartSel=${OPEN}, StopSel=${CLOSE}, MaxFragments=2, MaxWords=24, MinWords=8, FragmentDelimiter=" … "`})`.as(
        "snippet",
      ),
    ])
    .$if(after !== null, (q) =>
      q.where(
        sql<boolean>`(hit.created_at, hit.post_id) < (${new Date((after as [string, string, string])[1])}, ${(after as [string, string, string])[2]})`,
      ),
    )
    .$if(relevance, (q) => q.orderBy("hit.rank", "desc").orderBy("hit.postId"))
    .$if(!relevance, (q) => q.orderBy("hit.createdAt", "desc").orderBy("hit.postId", "desc"))
    .offset(offset)
    .limit(input.limit + 1)
    .execute();

  const page = hits.slice(0, input.limit);
  const topics = page.length
    ? await selectTopics(deps.db)
        .where(
          "forumTopics.id",
          "in",
          page.map((h) => h.topicId),
        )
        .execute()
    : [];
  const authors = await loadAuthors(
    deps.db,
    topics.map((t) => t.authorId),
  );
  const topicOf = new Map(
    topics.map((t) => [t.id, toTopicSummary(t, authors.get(t.authorId) as TopicSummary["author"])]),
  );
  const last = page.at(-1);
  return {
    items: page.map((h) => ({
      topic: topicOf.get(h.topicId) as TopicSummary,
      postId: h.postId,
      snippet: toSnippet(h.snippet),
    })),
    nextCursor:
      hits.length > input.limit && last
        ? encodeCursor(relevance ? ["r", offset + input.limit] : ["l", last.createdAt.toISOString(), last.postId])
        : null,
  };
}
