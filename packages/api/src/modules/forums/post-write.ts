import { v7 as uuidv7 } from "uuid";
import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { isUniqueViolation } from "../../infra/postgres/errors";
import { drainBacklog } from "../../lib/backfill";
import { DomainError } from "../../lib/errors";
import { holdOwnFiles } from "../files/service";
import type { ModuleJob } from "../jobs";
import { type PostDoc, placeReply, postsOf, settlePending, stalePendingPosts, updatePostDoc } from "./post-docs";
import { topicPostsChanged } from "./post-pages";
import { committedPostIds, insertPostFiles, postsWithoutFacts, type SearchRow, setPostFacts } from "./repo";
import type { CleanRichText } from "./rich-text";

/**
 * The two-phase write every post goes through (a topic's first post too), and its repair:
 * 1. the document is inserted into MongoDB as `pending` (never shown);
 * 2. its PostgreSQL half commits: the post's search row with the caller's writes (`commit`);
 * 3. the post is released (and the topic's cached pages dropped, forums/post-pages.ts).
 * A crash in between leaves only an invisible pending post; the repair job releases it when its
 * PostgreSQL half committed (the search row exists) and removes it otherwise.
 */
export async function writePost(
  deps: AppDeps,
  caller: Principal,
  draft: {
    topicId: string;
    body: CleanRichText;
    attachmentIds: string[];
    parent: PostDoc | null;
    /** The topic's first post (a reply without a parent starts a thread of its own). */
    opening: boolean;
    /** A reply's client key and its request's fingerprint (lib/idempotency.ts); a topic keeps its own. */
    clientKey?: { clientMessageId: string; requestHash: string };
    /** The post's id when the caller needs it before the write (its notifications point at it). */
    id?: string;
  },
  /** Commits the PostgreSQL half: the search row `row` and the caller's own writes, all or nothing. */
  commit: (post: PostDoc, row: SearchRow) => Promise<unknown>,
): Promise<PostDoc> {
  const id = draft.id ?? uuidv7();
  const post: PostDoc = {
    _id: id,
    topicId: draft.topicId,
    authorId: caller.userId,
    organizationId: caller.organizationId,
    ...(draft.parent ? placeReply(draft.parent) : { parentId: null, treeParentId: null, rootId: id, depth: 0 }),
    bodyHtml: draft.body.html,
    attachmentIds: draft.attachmentIds,
    createdAt: new Date(),
    editedAt: null,
    deletedAt: null,
    pending: true,
  };
  await postsOf(deps.mongo).insertOne(post);
  try {
    await commit(post, {
      postId: id,
      topicId: draft.topicId,
      body: draft.body.text,
      createdAt: post.createdAt,
      authorId: post.authorId,
      organizationId: post.organizationId,
      opening: draft.opening,
      ...draft.clientKey,
    });
  } catch (err) {
    // Certainly rolled back, so its document goes now rather than at the next repair: a unique index
    // refused a row (a retry whose client key a concurrent request took), or `commit` refused the
    // post itself (its topic locked or deleted meanwhile, the post it answers deleted).
    // If that fails too, the repair job removes it; the caller still gets the first error.
    if (isUniqueViolation(err) || refusedPost(err)) {
      await postsOf(deps.mongo)
        .deleteOne({ _id: id, pending: true })
        .catch((cleanup) => deps.logger.warn({ err: cleanup, postId: id }, "pending post left for the repair job"));
    }
    throw err;
  }
  await updatePostDoc(deps.mongo, id, { pending: false });
  await topicPostsChanged(deps, draft.topicId);
  return { ...post, pending: false };
}

/** An answer of ours, not a store's failure (whose outcome a caller cannot know). */
const refusedPost = (err: unknown) => err instanceof DomainError && err.code !== "STORE_UNAVAILABLE";

/** A post's attachments, in its transaction: only the author's own uploads, held and listed with the post. */
export async function attachPostFiles(trx: Db, post: Pick<PostDoc, "_id" | "topicId" | "authorId" | "attachmentIds">) {
  await holdOwnFiles(trx, post.authorId, post.attachmentIds);
  await insertPostFiles(trx, post._id, post.topicId, post.attachmentIds);
}

/** Finishes or removes posts whose two-phase write was interrupted more than `olderThanMs` ago. */
export async function repairPendingPosts(
  deps: AppDeps,
  olderThanMs = 60_000,
): Promise<{ released: number; removed: number }> {
  const stale = await stalePendingPosts(deps.mongo, new Date(Date.now() - olderThanMs), 500);
  if (!stale.length) return { released: 0, removed: 0 };
  const committed = await committedPostIds(
    deps.db,
    stale.map((p) => p._id),
  );
  const released = stale.filter((p) => committed.has(p._id));
  const remove = stale.filter((p) => !committed.has(p._id)).map((p) => p._id);
  await settlePending(deps.mongo, { release: released.map((p) => p._id), remove });
  await Promise.all([...new Set(released.map((p) => p.topicId))].map((topicId) => topicPostsChanged(deps, topicId)));
  return { released: released.length, removed: remove.length };
}

const FACTS_BATCH = 200;

/**
 * Copies each post's author, organization and attachments into PostgreSQL for posts from before
 * they were kept there (migration 0014). A search row means the post committed, so a document
 * still marked pending counts too; a row without a document has nothing to copy and is let go, so
 * it never holds the backlog up. One lookup by id per post: FerretDB scans for `$in`.
 */
export const fillPostFacts = (deps: AppDeps) =>
  drainBacklog(async () => {
    const rows = await postsWithoutFacts(deps.db, FACTS_BATCH);
    await Promise.all(
      rows.map(async ({ postId }) => setPostFacts(deps.db, postId, await postsOf(deps.mongo).findOne({ _id: postId }))),
    );
    return rows.length;
  }, FACTS_BATCH);

export const forumJobs: ModuleJob[] = [
  { name: "forums.repairPendingPosts", everyMs: 5 * 60_000, run: (deps) => repairPendingPosts(deps) },
  { name: "forums.fillPostFacts", everyMs: 60_000, run: (deps) => fillPostFacts(deps) },
];
