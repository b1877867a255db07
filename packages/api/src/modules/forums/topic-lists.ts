import type { TopicSummary } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import { authInvalidation } from "../../infra/auth/provider";
import { TtlCache } from "../../infra/auth/ttl-cache";
import { defineChannel, type EventBus } from "../../infra/events/bus";

/**
 * Topic list pages, cached on each node. A page depends only on the viewer's organization (which
 * topics it may see) and the input: a summary carries nothing per viewer. Every write that changes
 * what a summary shows (a topic created, edited, deleted, pinned or locked; a reply, a deleted
 * reply, a like, a best answer, a counted view) calls `topicListsChanged` once committed, and so
 * does every node on an author's or organization's profile change (the auth broadcast): every node
 * then drops all its pages. A lost broadcast (Redis gone) is bounded by the TTL and by dropping
 * everything when the bus reconnects.
 */
export interface TopicPage {
  items: TopicSummary[];
  nextCursor: string | null;
}

const changed = defineChannel<Record<string, never>>("forums.topicLists");

const TTL_MS = 10_000;
/** Pages kept per node: organizations × common inputs (first pages, categories, sorts). */
const MAX_PAGES = 2_000;

/** One cache per event bus (per app instance): tests build several apps in one process. */
const cachesByBus = new WeakMap<EventBus, TtlCache<TopicPage>>();

function pagesOf(events: EventBus): TtlCache<TopicPage> {
  let pages = cachesByBus.get(events);
  if (!pages) {
    const cache = new TtlCache<TopicPage>(TTL_MS, MAX_PAGES);
    const drop = () => cache.clear();
    events.subscribe(changed, "all", drop);
    events.subscribe(authInvalidation, "all", ({ data }) => {
      // Authors are shown with their name, title, avatar and organization's name.
      if (data.userIds?.length || data.profileUserIds?.length || data.organizationIds?.length) drop();
    });
    events.onReconnect(drop);
    cachesByBus.set(events, cache);
    pages = cache;
  }
  return pages;
}

/** The page `read` answers for this organization and input, from this node's cache when it has it. */
export function cachedTopicPage(
  deps: AppDeps,
  organizationId: string,
  input: object,
  read: () => Promise<TopicPage>,
): Promise<TopicPage> {
  return pagesOf(deps.events).load(`${organizationId}|${JSON.stringify(input)}`, read);
}

/** After a committed write that changes what a topic list shows: every node drops its pages. */
export const topicListsChanged = (deps: AppDeps) => deps.events.broadcast(changed, "all", {});
