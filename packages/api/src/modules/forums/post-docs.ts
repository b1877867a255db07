import type { Collection } from "mongodb";
import type { Mongo, MongoIndexes } from "../../infra/mongo/mongo";

/** Replies nest up to this depth; deeper replies attach to the deepest shown ancestor. */
export const MAX_DEPTH = 4;

/** A forum post in MongoDB, keyed by the same uuid the PostgreSQL search row uses. */
export interface PostDoc {
  _id: string;
  topicId: string;
  authorId: string;
  organizationId: string;
  /** The post this one answers (null for top-level posts, including the topic's first post). */
  parentId: string | null;
  /** The ancestor it is shown under: the parent, or the deepest shown ancestor past MAX_DEPTH. */
  treeParentId: string | null;
  /** The top-level post of its thread (itself for top-level posts). */
  rootId: string;
  depth: number;
  bodyHtml: string;
  attachmentIds: string[];
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  /** Set until the PostgreSQL half of the write commits; pending posts are never shown. */
  pending: boolean;
}

export const POSTS = "forum_posts";
export const postIndexes: MongoIndexes = {
  [POSTS]: [
    { key: { topicId: 1, depth: 1, createdAt: 1, _id: 1 } },
    { key: { rootId: 1, createdAt: 1 } },
    // Only the few posts still pending are indexed: the repair job looks for them, everything else
    // asks for released ones (pending: false), which an index of every post would not narrow.
    { key: { pending: 1, createdAt: 1 }, partialFilterExpression: { pending: true } },
  ],
};

export const postsOf = (mongo: Mongo): Collection<PostDoc> => mongo.db.collection<PostDoc>(POSTS);

/** Where a reply to `parent` sits in the tree. */
export function placeReply(parent: PostDoc): Pick<PostDoc, "parentId" | "treeParentId" | "rootId" | "depth"> {
  const deep = parent.depth >= MAX_DEPTH;
  return {
    parentId: parent._id,
    treeParentId: deep ? parent.treeParentId : parent._id,
    rootId: parent.rootId,
    depth: deep ? parent.depth : parent.depth + 1,
  };
}

/** A released post (never a pending one), optionally only within one topic. */
export const findPostDoc = (mongo: Mongo, id: string, topicId?: string) =>
  postsOf(mongo).findOne({ _id: id, pending: false, ...(topicId ? { topicId } : {}) });

/** A post whose PostgreSQL half committed, released or about to be (its writer releases it next). */
export const findWrittenPostDoc = (mongo: Mongo, id: string) => postsOf(mongo).findOne({ _id: id });

/** The posts after a keyset (time, then id) in time order; everything without one. */
const continuingAfter = (after: { createdAt: Date; id: string } | null) =>
  after
    ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.id } }] }
    : {};

/** One page of a topic's top-level posts in time order, after `after` (a keyset), plus one to tell a next page. */
function topLevelPosts(mongo: Mongo, topicId: string, after: { createdAt: Date; id: string } | null, limit: number) {
  return postsOf(mongo)
    .find({ topicId, depth: 0, pending: false, ...continuingAfter(after) })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit + 1)
    .toArray();
}

/**
 * The replies under these top-level posts of one topic, oldest first, at most `limit`. The topic's
 * id narrows the read where `$in` cannot: FerretDB (the MongoDB-wire server used here) hands only
 * plain equalities to PostgreSQL and filters everything else itself, so without it every released
 * post was read and filtered per call (116 ms at 1,300 posts, and calls timing out under the
 * 1,000-user load benchmark); MongoDB serves either index (topicId…, rootId…).
 */
const repliesUnder = (mongo: Mongo, topicId: string, rootIds: string[], limit: number) =>
  rootIds.length
    ? postsOf(mongo)
        .find({ topicId, rootId: { $in: rootIds }, depth: { $gt: 0 }, pending: false })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .toArray()
    : Promise.resolve([]);

/** A topic with at most this many released posts (deleted ones too) has a page read in one find. */
const WHOLE_TOPIC_POSTS = 100;

/**
 * A page of a topic's top-level posts in time order (`limit` and one more: whether a next page
 * follows) and the replies under those shown, oldest first, at most `maxReplies`. The first page of
 * a topic of up to WHOLE_TOPIC_POSTS posts comes from one find of them all, which FerretDB reads for
 * either of the two finds anyway (repliesUnder); a later page or a larger topic takes two.
 */
export async function postPage(
  mongo: Mongo,
  topicId: string,
  after: { createdAt: Date; id: string } | null,
  limit: number,
  maxReplies: number,
) {
  if (!after) {
    const all = await postsOf(mongo)
      .find({ topicId, pending: false })
      .sort({ createdAt: 1, _id: 1 })
      .limit(WHOLE_TOPIC_POSTS + 1)
      .toArray();
    if (all.length <= WHOLE_TOPIC_POSTS) {
      const tops = all.filter((p) => p.depth === 0).slice(0, limit + 1);
      const shown = new Set(tops.slice(0, limit).map((p) => p._id));
      return { tops, replies: all.filter((p) => p.depth > 0 && shown.has(p.rootId)).slice(0, maxReplies) };
    }
  }
  const tops = await topLevelPosts(mongo, topicId, after, limit);
  const roots = tops.slice(0, limit).map((p) => p._id);
  return { tops, replies: await repliesUnder(mongo, topicId, roots, maxReplies) };
}

/** One thread's replies (under the top-level post `rootId`) in time order, after `after`, plus one to tell a next page. */
export function repliesOfThread(
  mongo: Mongo,
  topicId: string,
  rootId: string,
  after: { createdAt: Date; id: string } | null,
  limit: number,
) {
  return postsOf(mongo)
    .find({ topicId, rootId, depth: { $gt: 0 }, pending: false, ...continuingAfter(after) })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit + 1)
    .toArray();
}

export async function updatePostDoc(mongo: Mongo, id: string, changes: Partial<Omit<PostDoc, "_id">>): Promise<void> {
  await postsOf(mongo).updateOne({ _id: id }, { $set: changes });
}

/** Pending posts older than `olderThan`, for the repair job. */
export const stalePendingPosts = (mongo: Mongo, olderThan: Date, limit: number) =>
  postsOf(mongo)
    .find({ pending: true, createdAt: { $lt: olderThan } })
    .limit(limit)
    .toArray();

/** Releases (shows) or removes pending posts by id. */
export async function settlePending(mongo: Mongo, settle: { release: string[]; remove: string[] }): Promise<void> {
  await Promise.all([
    settle.release.length && postsOf(mongo).updateMany({ _id: { $in: settle.release } }, { $set: { pending: false } }),
    settle.remove.length && postsOf(mongo).deleteMany({ _id: { $in: settle.remove }, pending: true }),
  ]);
}
