import type { ForumSearchInput, TopicSummary } from "@p2p/schemas";
import { sql } from "kysely";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { definePageCache } from "../../infra/events/page-cache";
import type { Db } from "../../infra/postgres/db";
import { queryShapes } from "../../infra/postgres/prepared";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { ARABIC, queryText } from "../../lib/search-text";
import { loadAuthors } from "../users/authors";
import { topicSummaryColumns, toTopicSummary } from "./repo";
import { type HitMarker, hitMarker, lexemesOf, SNIPPET_SOURCE_CHARS } from "./snippets";
import { topicListsChannel } from "./topic-lists";

const RelevanceCursor = z.tuple([z.literal("r"), z.number().int().min(0).max(10_000)]);
const LatestCursor = z.tuple([z.literal("l"), z.iso.datetime({ offset: true }), z.uuid()]);

type SearchInput = z.infer<typeof ForumSearchInput>;

/**
 * How many of the most recent matching posts are ranked: bounds the cost of common words. Each
 * candidate is a row read and a rank; at 1M posts, 1,000 made a search cost
 * 15–40 ms of PostgreSQL's time and a word in 3.6% of posts fetch all its 36,000 matches (the
 * planner's cheapest way to the 1,000 newest), where 300 are reached by walking the recency index
 * (bench/RESULTS.md, 2026-11-29 night). 300 recent posts still hold ~200 topics of a common word.
 */
export const MAX_CANDIDATES = 300;

type Language = "english" | "arabic";

/** What a search looks for: its text, in one language by its script. */
interface Terms {
  // One language per query, by its script: the documents carry both stemmings, but OR-ing both
  // query parsings made stop words of one language (e.g. "the", "how to") match nearly everything
  // through the other's dictionary, which has no such stop words.
  language: Language;
  /** The query text as websearch_to_tsquery takes it (lib/search-text). */
  text: string;
}

const termsOf = (q: string): Terms => ({ language: ARABIC.test(q) ? "arabic" : "english", text: queryText(q) });

/** The terms as a tsquery, parsed in their language. */
const tsQuery = ({ language, text }: Terms) => sql`websearch_to_tsquery(${sql.lit(language)}::regconfig, ${text})`;

interface HitFilter extends Pick<SearchInput, "categoryId" | "answered" | "sort"> {
  terms: Terms;
  /** How many hits to fetch: a page and one more (whether there is a next page). */
  fetch: number;
}

/**
 * The ranked hits, one per topic (its best-ranked post), of live topics the organization may see,
 * ordered by relevance or by the hit's time: topicId, postId, createdAt, rank. No text yet.
 */
function rankedHits(
  db: Db,
  orgId: string,
  input: HitFilter,
  page: { offset: number; after: { createdAt: Date; postId: string } | null },
  candidateLimit = MAX_CANDIDATES,
) {
  const query = tsQuery(input.terms);
  const relevance = input.sort === "relevance";
  // Ranking reads every candidate's document, so it is bounded: the candidates are the most recent
  // matching posts the organization may see, found by walking the recency index (common words) or
  // the GIN index (rare ones), whichever the planner prefers. Who may see a post is on its search
  // row (its topic's visibility and organization; a deleted topic's rows are gone): no topic lookup
  // per candidate. A category or answered filter does look its topic up, in a correlated subquery
  // ("offset 0" keeps it one): a primary-key lookup per candidate, never a topics scan.
  const filtered = input.categoryId !== undefined || input.answered !== undefined;
  const candidates = db
    .selectFrom("forumSearch as s")
    .select(["s.topicId", "s.postId", "s.createdAt", "s.document"])
    .where(sql<boolean>`s.document @@ ${query}`)
    .where((eb) => eb.or([eb("s.topicVisibility", "=", "platform"), eb("s.topicOrganizationId", "=", orgId)]))
    .$if(filtered, (q) =>
      q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom("forumTopics")
            .select(sql`1`.as("one"))
            .whereRef("forumTopics.id", "=", "s.topicId")
            .$if(input.categoryId !== undefined, (q) =>
              q.where("forumTopics.categoryId", "=", input.categoryId as string),
            )
            .$if(input.answered !== undefined, (q) => q.where("forumTopics.answered", "=", input.answered as boolean))
            .offset(0),
        ),
      ),
    )
    .orderBy("s.createdAt", "desc")
    .orderBy("s.postId", "desc")
    .limit(candidateLimit);
  // Weights of the document's parts (D, C, B body, A title): a word in the title outranks it
  // repeated in the body (with the default 0.4 for the body, three mentions beat a title).
  const rank = sql<number>`ts_rank_cd('{0.1, 0.1, 0.1, 1.0}', m.document, ${query})`;
  const best = db
    .selectFrom(candidates.as("m"))
    .select(["m.topicId", "m.postId", "m.createdAt", rank.as("rank")])
    .distinctOn("m.topicId")
    .orderBy("m.topicId")
    .orderBy(rank, "desc")
    // Equally good posts (e.g. a hit only in the title, which every post carries): the question wins.
    .orderBy("m.createdAt");

  const after = page.after;
  return db
    .selectFrom(best.as("hit"))
    .selectAll("hit")
    .$if(after !== null, (q) =>
      q.where(sql<boolean>`(hit.created_at, hit.post_id) < (${after?.createdAt}, ${after?.postId})`),
    )
    .$if(relevance, (q) => q.orderBy("hit.rank", "desc").orderBy("hit.postId"))
    .$if(!relevance, (q) => q.orderBy("hit.createdAt", "desc").orderBy("hit.postId", "desc"))
    .offset(page.offset)
    .limit(input.fetch);
}

/**
 * What a hit's snippet is made of (snippets.ts), from the search row `s`: its title and body (as
 * far as a snippet reads it), whether the body matched (read from the stored document's body part,
 * weight B, not by parsing the body again), and the query's lexemes (querytree: the terms it
 * searches for).
 */
function snippetSource(terms: Terms) {
  const query = tsQuery(terms);
  return [
    "s.title as hitTitle",
    sql<string>`left(s.body, ${sql.lit(SNIPPET_SOURCE_CHARS)})`.as("hitBody"),
    sql<boolean>`ts_filter(s.document, '{b}') @@ ${query}`.as("bodyHit"),
    sql<string>`querytree(${query})`.as("querytree"),
  ] as const;
}

/** Marks the hits of a search in its rows' texts: the lexemes are the same in every row. */
const markerOf = (rows: readonly { querytree: string }[]) => hitMarker(lexemesOf(rows[0]?.querytree ?? ""));

/** A hit's snippet: around the body's hits, or (a hit only in the title) the title with them marked. */
const snippetFrom = (marker: HitMarker, row: { hitTitle: string; hitBody: string; bodyHit: boolean }) =>
  marker.snippet(row.bodyHit ? row.hitBody : row.hitTitle);

type Page = { offset: number; after: { createdAt: Date; postId: string } | null };

/**
 * The search query: one hit per topic (its best-ranked post), only live topics the organization may
 * see, ordered by relevance or by the hit's time, with its topic's summary (but the author) and
 * what its snippet is made of. Exported so its plan can be checked.
 */
export const searchQuery = (db: Db, orgId: string, input: Omit<SearchInput, "cursor">, page: Page) =>
  searchStatement(db, orgId, { ...input, terms: termsOf(input.q), fetch: input.limit + 1 }, page);

function searchStatement(db: Db, orgId: string, filter: HitFilter, page: Page) {
  const relevance = filter.sort === "relevance";
  // The page is chosen first; only its rows are joined back for their topics and their text.
  return db
    .selectFrom(rankedHits(db, orgId, filter, page).as("hit"))
    .innerJoin("forumSearch as s", "s.postId", "hit.postId")
    .innerJoin("forumTopics", "forumTopics.id", "hit.topicId")
    .innerJoin("forumCategories", "forumCategories.id", "forumTopics.categoryId")
    .select(["hit.postId", "hit.createdAt as hitAt", "hit.rank", "forumTopics.authorId"])
    .select(topicSummaryColumns)
    .select(snippetSource(filter.terms))
    .$if(relevance, (q) => q.orderBy("hit.rank", "desc").orderBy("hit.postId"))
    .$if(!relevance, (q) => q.orderBy("hit.createdAt", "desc").orderBy("hit.postId", "desc"));
}

/**
 * searchStatement compiled once per shape (language, sort, which filters, whether it continues
 * after a hit), the values as parameters.
 */
const searchShapes = queryShapes(
  "forum_search",
  (
    db,
    shape: { language: Language; sort: "relevance" | "latest"; category: boolean; answered: boolean; after: boolean },
    p: {
      orgId: string;
      text: string;
      categoryId: string | undefined;
      answered: boolean | undefined;
      fetch: number;
      offset: number;
      afterAt: Date | undefined;
      afterPostId: string | undefined;
    },
  ) =>
    searchStatement(
      db,
      p.orgId,
      {
        terms: { language: shape.language, text: p.text },
        sort: shape.sort,
        categoryId: shape.category ? p.categoryId : undefined,
        answered: shape.answered ? p.answered : undefined,
        fetch: p.fetch,
      },
      {
        offset: p.offset,
        after: shape.after ? { createdAt: p.afterAt as Date, postId: p.afterPostId as string } : null,
      },
    ),
);

/**
 * The best `limit` forum hits for the organization, by relevance, without text (global search
 * ranks them with other kinds of results first): each topic's best post, and whether that post
 * opens the topic (the question, which carries the title) or is a reply. Exported for its plan.
 */
export function bestHitsQuery(db: Db, orgId: string, q: string, limit: number) {
  // Up to three recent candidate posts per wanted topic (a common word's 1,000 most recent
  // matching posts held ~680 topics).
  const hits = rankedHits(
    db,
    orgId,
    { terms: termsOf(q), sort: "relevance", fetch: limit },
    { offset: 0, after: null },
    Math.min(MAX_CANDIDATES, 3 * limit),
  );
  return db
    .selectFrom(hits.as("hit"))
    .innerJoin("forumTopics as t", "t.id", "hit.topicId")
    .select(["hit.topicId", "hit.postId", "hit.createdAt", "hit.rank"])
    .select(sql<boolean>`t.first_post_id = hit.post_id`.as("opening"))
    .orderBy("hit.rank", "desc")
    .orderBy("hit.postId");
}

export const bestForumHits = (deps: AppDeps, caller: Principal, q: string, limit: number) =>
  bestHitsQuery(deps.db, caller.organizationId, q, limit).execute();

/**
 * Title and snippet of these posts' search rows for `q`: escaped text with `<mark>` around the
 * hits (only for hits the caller was given by bestForumHits).
 */
export async function forumHitTexts(
  deps: AppDeps,
  q: string,
  postIds: readonly string[],
): Promise<Map<string, { title: string; snippet: string }>> {
  if (!postIds.length) return new Map();
  const rows = await deps.db
    .selectFrom("forumSearch as s")
    .innerJoin("forumTopics as t", "t.id", "s.topicId")
    .select(["s.postId", "t.title as topicTitle"])
    .select(snippetSource(termsOf(q)))
    .where("s.postId", "in", postIds)
    .execute();
  const marker = markerOf(rows);
  return new Map(rows.map((r) => [r.postId, { title: marker.all(r.topicTitle), snippet: snippetFrom(marker, r) }]));
}

type SearchPage = Awaited<ReturnType<typeof readSearchPage>>;

/**
 * Search pages cached on each node (infra/events/page-cache.ts), like the topic lists: a page
 * depends only on the organization (which topics it may see) and the input, and is dropped on every
 * node with the topic lists, which every write a search shows drops (a topic or post written,
 * edited or deleted; a summary's counts). A first search of a common word costs ~2 ms of
 * PostgreSQL at 1M posts (bench/RESULTS.md, 2026-12-01); the same search again, by anyone of the
 * organization, costs none.
 */
const searchPages = definePageCache<SearchPage>("forums.search", {
  ttlMs: 10_000,
  maxPages: 2_000,
  alsoDropOn: [topicListsChannel],
});

/**
 * Full-text search over titles and post bodies (English and Arabic stemming side by side), one
 * hit per topic (its best post), only topics the caller may see. Snippets are computed for the
 * returned page only.
 */
export const searchForums = (deps: AppDeps, caller: Principal, input: SearchInput) =>
  searchPages.load(deps, `${caller.organizationId}|${JSON.stringify(input)}`, () =>
    readSearchPage(deps, caller, input),
  );

async function readSearchPage(deps: AppDeps, caller: Principal, input: SearchInput) {
  const relevance = input.sort === "relevance";
  const offset = relevance ? (decodeCursor(input.cursor, RelevanceCursor)?.[1] ?? 0) : 0;
  const after = relevance ? null : decodeCursor(input.cursor, LatestCursor);
  const { language, text } = termsOf(input.q);
  const hits = await searchShapes(
    deps.db,
    {
      language,
      sort: input.sort,
      category: input.categoryId !== undefined,
      answered: input.answered !== undefined,
      after: after !== null,
    },
    {
      orgId: caller.organizationId,
      text,
      categoryId: input.categoryId,
      answered: input.answered,
      fetch: input.limit + 1,
      offset,
      afterAt: after ? new Date(after[1]) : undefined,
      afterPostId: after?.[2],
    },
  );

  const page = hits.slice(0, input.limit);
  const authors = await loadAuthors(
    deps,
    page.map((h) => h.authorId),
  );
  const last = page.at(-1);
  const marker = markerOf(page);
  return {
    items: page.map((h) => ({
      topic: toTopicSummary(h, authors.get(h.authorId) as TopicSummary["author"]),
      postId: h.postId,
      snippet: snippetFrom(marker, h),
    })),
    nextCursor:
      hits.length > input.limit && last
        ? encodeCursor(relevance ? ["r", offset + input.limit] : ["l", last.hitAt.toISOString(), last.postId])
        : null,
  };
}
