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
    { key: { pending: 1, createdAt: 1 } },
    { key: { organizationId: 1, createdAt: -1 } },
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
