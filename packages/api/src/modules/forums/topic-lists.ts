import type { TopicSummary } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import { definePageCache } from "../../infra/events/page-cache";

/**
 * Topic list pages, cached on each node (infra/events/page-cache.ts). A page depends only on the
 * viewer's organization (which topics it may see) and the input: a summary carries nothing per
 * viewer. Every write that changes what a summary shows (a topic created, edited, deleted, pinned
 * or locked; a reply, a deleted reply, a like, a best answer, a counted view), and each edited
 * reply (which global search ranks), calls `topicListsChanged` once committed.
 */
export interface TopicPage {
  items: TopicSummary[];
  nextCursor: string | null;
}

/** Pages kept per node: organizations × common inputs (first pages, categories, sorts). */
const topicPages = definePageCache<TopicPage>("forums.topicLists", { ttlMs: 10_000, maxPages: 2_000 });

/** The page `read` answers for this organization and input, from this node's cache when it has it. */
export const cachedTopicPage = (
  deps: AppDeps,
  organizationId: string,
  input: object,
  read: () => Promise<TopicPage>,
): Promise<TopicPage> => topicPages.load(deps, `${organizationId}|${JSON.stringify(input)}`, read);

/** After a committed write that changes what a topic list shows: every node drops its pages. */
export const topicListsChanged = topicPages.changed;

/** Heard on every node after each such write (global search drops its forum hits with it). */
export const topicListsChannel = topicPages.channel;
