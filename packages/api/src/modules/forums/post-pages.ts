import type { AppDeps } from "../../deps";
import { definePageCache } from "../../infra/events/page-cache";
import type { PostDoc } from "./post-docs";

/**
 * A topic's pages of post documents (one page of top-level posts and the replies under them),
 * cached on each node (infra/events/page-cache.ts). A page's documents are the same for every
 * reader: whether the reader may see the topic is checked before any of it is read or returned (a
 * cached page's likes come with that check, in one statement), and what depends on the reader or
 * changes often (likes, authors, attachments) is read from PostgreSQL per request.
 * Every write to a topic's post documents (a post released, edited or deleted; the repair job's
 * releases) calls `topicPostsChanged` for that topic once done, and every node drops that topic's
 * pages only. The MongoDB-wire server used here reads every post of a topic to answer one page
 * (FerretDB sorts and limits in memory), so a popular topic's pages were re-read for every reader.
 */
export interface PostPage {
  /** Top-level posts from the cursor, one more than the page when there are more. */
  tops: PostDoc[];
  /** The replies under the page's top-level posts. */
  replies: PostDoc[];
}

/** A page is up to 51 posts and 500 replies (usually a few dozen documents, ~1 KB each). */
const postPages = definePageCache<PostPage>("forums.postPages", { ttlMs: 30_000, maxPages: 500 });

/** The page `read` answers for this topic and page key, from this node's cache when it has it. */
export const cachedPostPage = (deps: AppDeps, topicId: string, page: string, read: () => Promise<PostPage>) =>
  postPages.load(deps, `${topicId}|${page}`, read);

/**
 * The page for this topic and page key if this node has it cached (nothing is read): its caller
 * then reads the topic and the page's likes in one statement, and checks access by it.
 */
export const postPageIfCached = (deps: AppDeps, topicId: string, page: string) =>
  postPages.cached(deps, `${topicId}|${page}`);

/** After a committed change to a topic's post documents: every node drops that topic's pages. */
export const topicPostsChanged = (deps: AppDeps, topicId: string) => postPages.changed(deps, topicId);
