import {
  type GlobalSearchInput,
  type GlobalSearchResult,
  SEARCH_WINDOW,
  type SearchHit,
  type SearchType,
  searchTypes,
} from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { definePageCache } from "../../infra/events/page-cache";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { escapeHtml, SNIPPET_CHARS } from "../../lib/search-text";
import { bestForumHits, forumHitTexts } from "../forums/search";
import { topicListsChannel } from "../forums/topic-lists";
import { listDirectory } from "../organizations/repo";
import { searchTasks } from "../tasks/repo";
import { readerOf } from "../useCases/access";
import { useCaseListsChannel } from "../useCases/list-cache";
import { textMatches } from "../useCases/repo";
import { somePeople } from "../users/repo";
import { containsAny, highlight, termsOf } from "./highlight";

/**
 * Global search: one query per type, each the owning module's own search (people: the users
 * module's people search; forums: its full-text search documents; use cases: their list with a text
 * filter; tasks: the owner's task search; organizations: the directory), run in parallel, each
 * bounded to its best SEARCH_WINDOW + 1 results, then merged here into one ranked list:
 *
 *   score = weight / (1 + position)
 *
 * `position` is the result's place (0 = best) in its own type's best-first order; `weight` (0…1) is
 * how good the match is within the type: forum hits and tasks their text rank divided by the type's
 * best rank; people, organizations and use cases by where the words matched (see `quality`). Ties:
 * the more recent first, then the type's order in `searchTypes`, then the id. Each type thus
 * contributes its best results near the top, and a weak best (a person found only by their
 * organization's name) ranks below strong ones. The merged list is paged by offset within that
 * bounded window (at most SEARCH_WINDOW of each type), and each type's count is exact up to
 * SEARCH_WINDOW ("100+" past it). Text (snippets) is built for the returned page only.
 *
 * Each type's candidates are cached on the node for the same query (infra/events/page-cache.ts),
 * keyed by what decides what the caller may see: people, organizations and published use cases
 * are the same for every member; forum hits differ per organization; drafts per reader. They are
 * dropped on every node with the pages of the same data (a topic, reply or use case changed; a
 * profile, person or organization changed), so a search right after a write finds it, and the
 * second page of a search is paged over the same window as the first; so are a page's forum texts.
 * Tasks are always read.
 */

const WINDOW = SEARCH_WINDOW;
const FETCH = WINDOW + 1;

/** A cached list is ~100 small candidates: a few thousand queries bound a node's share. */
const CACHE = { ttlMs: 10_000, maxPages: 2_000 };
const directoryCandidates = definePageCache<Candidate[]>("search.directory", CACHE);
const forumCandidates = definePageCache<Candidate[]>("search.forums", { ...CACHE, alsoDropOn: [topicListsChannel] });
/** A page's forum titles and snippets (marked for the text, the same for every reader given those hits). */
const forumTexts = definePageCache<Awaited<ReturnType<typeof forumHitTexts>>>("search.forumTexts", {
  ...CACHE,
  alsoDropOn: [topicListsChannel],
});
const useCaseRows = definePageCache<Awaited<ReturnType<typeof textMatches>>>("search.useCases", {
  ...CACHE,
  alsoDropOn: [useCaseListsChannel],
});

/** An offset into the merged window. */
const OffsetCursor = z.tuple([
  z.literal("g"),
  z
    .number()
    .int()
    .min(0)
    .max(WINDOW * searchTypes.length),
]);

/** A result before its text is rendered. */
interface Candidate {
  type: SearchType;
  id: string;
  topicId: string | null;
  at: Date | null;
  weight: number;
  /** Title and snippet as HTML, for results whose text is at hand. */
  render?: () => { title: string; snippet: string };
  /** A forum hit's post: its title and snippet come from the forums' own query, for the page only. */
  postId?: string;
}

interface Ranked extends Candidate {
  score: number;
}

/** Where the query matched, for kinds without a text rank: the name itself beats its context. */
function quality(q: string, terms: readonly string[], name: string, context: readonly (string | null)[]): number {
  const n = name.toLowerCase();
  const wanted = q.toLowerCase();
  if (n === wanted) return 1;
  if (n.startsWith(wanted)) return 0.8;
  if (n.includes(wanted) || containsAny(name, terms)) return 0.6;
  if (context.some((c) => containsAny(c, terms))) return 0.4;
  return 0.2;
}

/** Best first by weight, keeping the source's order among equals. */
const byWeight = <T extends { weight: number }>(items: T[]) =>
  items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => b.item.weight - a.item.weight || a.i - b.i)
    .map((x) => x.item);

const people = (deps: AppDeps, q: string, terms: string[]) =>
  directoryCandidates.load(deps, `people|${q}`, () => readPeople(deps, q, terms));

async function readPeople(deps: AppDeps, q: string, terms: string[]): Promise<Candidate[]> {
  const rows = await somePeople(deps.db, q, FETCH);
  return byWeight(
    rows.map((p) => {
      const name = `${p.firstName} ${p.lastName}`;
      const context = [p.title, p.organization.name].filter((s): s is string => !!s).join(" · ");
      return {
        type: "people" as const,
        id: p.id,
        topicId: null,
        at: null,
        weight: quality(q, terms, name, [p.title, p.organization.name]),
        render: () => ({ title: highlight(name, terms), snippet: highlight(context, terms) }),
      };
    }),
  );
}

const organizations = (deps: AppDeps, q: string, terms: string[]) =>
  directoryCandidates.load(deps, `organizations|${q}`, () => readOrganizations(deps, q, terms));

async function readOrganizations(deps: AppDeps, q: string, terms: string[]): Promise<Candidate[]> {
  const rows = await listDirectory(deps.db, { q }, null, FETCH);
  return byWeight(
    rows.map((o) => ({
      type: "organizations" as const,
      id: o.id,
      topicId: null,
      at: null,
      weight: quality(q, terms, o.name, []),
      render: () => ({
        title: highlight(o.name, terms),
        snippet: escapeHtml([o.industry.replaceAll("_", " "), o.city].filter(Boolean).join(" · ")),
      }),
    })),
  );
}

/** Forum hits: a topic whose best match opens it (title or question) is a topic, else its reply is a post. */
const forums = (deps: AppDeps, caller: Principal, q: string) =>
  forumCandidates.load(deps, `${caller.organizationId}|${q}`, () => readForums(deps, caller, q));

async function readForums(deps: AppDeps, caller: Principal, q: string): Promise<Candidate[]> {
  const hits = await bestForumHits(deps, caller, q, FETCH);
  const best = Math.max(...hits.map((h) => h.rank), Number.EPSILON);
  return hits.map((h) => ({
    type: h.opening ? ("topics" as const) : ("posts" as const),
    id: h.opening ? h.topicId : h.postId,
    topicId: h.topicId,
    at: h.createdAt,
    weight: h.rank / best,
    postId: h.postId,
  }));
}

/** Published use cases, and the drafts the caller may edit (their own; as an admin, their organization's). */
async function useCases(deps: AppDeps, caller: Principal, q: string, terms: string[]): Promise<Candidate[]> {
  const reader = readerOf(caller);
  const [published, drafts] = await Promise.all([
    useCaseRows.load(deps, `published|${q}`, () => textMatches(deps.db, reader, q, "published", FETCH)),
    useCaseRows.load(deps, `${JSON.stringify(reader)}|${q}`, () => textMatches(deps.db, reader, q, "draft", FETCH)),
  ]);
  const rows = [...published, ...drafts]
    .map((uc) => ({ uc, at: uc.status === "published" ? (uc.publishedAt ?? uc.updatedAt) : uc.updatedAt }))
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.uc.id < b.uc.id ? 1 : -1))
    .slice(0, FETCH);
  return byWeight(
    rows.map(({ uc, at }) => ({
      type: "useCases" as const,
      id: uc.id,
      topicId: null,
      at,
      weight: quality(q, terms, uc.title, [uc.summary]),
      render: () => ({ title: highlight(uc.title, terms), snippet: highlight(uc.summary ?? "", terms, SNIPPET_CHARS) }),
    })),
  );
}

/** The caller's own tasks: a person's, never an API key's (tasks are personal). */
async function tasks(deps: AppDeps, caller: Principal, q: string, terms: string[]): Promise<Candidate[]> {
  if (caller.via === "apiKey") return [];
  const rows = await searchTasks(deps.db, caller.userId, q, FETCH);
  const best = Math.max(...rows.map((t) => t.rank), Number.EPSILON);
  return rows.map((t) => ({
    type: "tasks" as const,
    id: t.id,
    topicId: null,
    at: t.dueAt,
    weight: t.rank / best,
    render: () => ({ title: highlight(t.title, terms), snippet: highlight(t.description ?? "", terms, SNIPPET_CHARS) }),
  }));
}

const typeOrder = new Map(searchTypes.map((t, i) => [t, i]));

/** The merged order (see the module comment). */
export function merge(lists: readonly Candidate[][]): Ranked[] {
  return lists
    .flatMap((list) => list.slice(0, WINDOW).map((c, position) => ({ ...c, score: c.weight / (1 + position) })))
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0) ||
        (typeOrder.get(a.type) ?? 0) - (typeOrder.get(b.type) ?? 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

export async function globalSearch(
  deps: AppDeps,
  caller: Principal,
  input: GlobalSearchInput,
): Promise<GlobalSearchResult> {
  const wanted = new Set<SearchType>(input.types ?? searchTypes);
  const offset = decodeCursor(input.cursor, OffsetCursor)?.[1] ?? 0;
  const q = input.q;
  const terms = termsOf(q);
  const none = Promise.resolve([] as Candidate[]);
  const [peopleHits, orgHits, forumHits, useCaseHits, taskHits] = await Promise.all([
    wanted.has("people") ? people(deps, q, terms) : none,
    wanted.has("organizations") ? organizations(deps, q, terms) : none,
    wanted.has("topics") || wanted.has("posts") ? forums(deps, caller, q) : none,
    wanted.has("useCases") ? useCases(deps, caller, q, terms) : none,
    wanted.has("tasks") ? tasks(deps, caller, q, terms) : none,
  ]);
  // A forum query answers both topics and posts; its overflow says there may be more of either.
  const forumMore = forumHits.length > WINDOW;
  const forumWindow = forumHits.slice(0, WINDOW);
  const lists: Candidate[][] = [
    peopleHits,
    orgHits,
    forumWindow.filter((h) => h.type === "topics" && wanted.has("topics")),
    forumWindow.filter((h) => h.type === "posts" && wanted.has("posts")),
    useCaseHits,
    taskHits,
  ];
  const counts = searchTypes
    .filter((type) => wanted.has(type))
    .map((type) => {
      const list = lists[searchTypes.indexOf(type)] as Candidate[];
      const forum = type === "topics" || type === "posts";
      return {
        type,
        count: Math.min(list.length, WINDOW),
        more: forum ? forumMore && list.length > 0 : list.length > WINDOW,
      };
    });

  const merged = merge(lists);
  const page = merged.slice(offset, offset + input.limit);
  const postIds = page.flatMap((h) => (h.postId ? [h.postId] : []));
  const texts = await forumTexts.load(deps, `${q}|${postIds.join()}`, () => forumHitTexts(deps, q, postIds));
  const empty = { title: "", snippet: "" };
  const items: SearchHit[] = page.map((h) => {
    const text = h.postId ? (texts.get(h.postId) ?? empty) : (h.render?.() ?? empty);
    return { type: h.type, id: h.id, topicId: h.topicId, at: h.at, score: h.score, ...text };
  });
  return {
    items,
    counts,
    nextCursor: offset + input.limit < merged.length ? encodeCursor(["g", offset + input.limit]) : null,
  };
}
