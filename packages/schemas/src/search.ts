import { z } from "zod";
import { Id, limits, text } from "./common.js";

// ---------------------------------------------------------------- global search

export const searchTypes = ["people", "organizations", "topics", "posts", "useCases", "tasks"] as const;
/**
 * What a global search looks in. `topics`: forum topics whose best match is the title or the opening
 * post; `posts`: topics whose best match is a reply (the hit is that reply).
 */
export const SearchType = z.enum(searchTypes);
export type SearchType = z.infer<typeof SearchType>;

/** At most this many results of each type are ranked; counts past it show as "100+". */
export const SEARCH_WINDOW = 100;

export const GlobalSearchInput = z.object({
  /** Words in English or Arabic (websearch syntax: "quoted phrases", or, -excluded). */
  q: text(100).min(2, "At least 2 characters"),
  /** Only these types (all when absent). */
  types: z.array(SearchType).min(1).max(searchTypes.length).optional(),
  cursor: z.string().max(limits.cursor).nullish(),
  limit: z.number().int().min(1).max(50).default(limits.defaultPageSize),
});
export type GlobalSearchInput = z.infer<typeof GlobalSearchInput>;

/**
 * One result. `title` and `snippet` are HTML: the text escaped, with `<mark>` around the matched
 * words and no other markup.
 */
export const SearchHit = z.object({
  type: SearchType,
  /** The person, organization, topic, reply, use case or task. */
  id: Id,
  /** The topic of a forum hit (`topics`, `posts`), else null. */
  topicId: Id.nullable(),
  title: z.string(),
  snippet: z.string(),
  /** When the content was written, published or last changed; null for people and organizations. */
  at: z.date().nullable(),
  /** The merged order's score (higher first): see docs/decisions.md, "Global search". */
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

/** Matches of one type, counted up to SEARCH_WINDOW; `more`: there are more than `count` ("100+"). */
export const SearchTypeCount = z.object({ type: SearchType, count: z.number().int().min(0), more: z.boolean() });
export type SearchTypeCount = z.infer<typeof SearchTypeCount>;

export const GlobalSearchResult = z.object({
  items: z.array(SearchHit),
  counts: z.array(SearchTypeCount),
  nextCursor: z.string().nullable(),
});
export type GlobalSearchResult = z.infer<typeof GlobalSearchResult>;
