import type { Post } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import { findMany as findFiles } from "../files/repo";
import { loadAuthors } from "../users/authors";
import type { PostDoc } from "./post-docs";
import { type LikeStat, likeStats } from "./repo";

/**
 * Turns post documents into the Post DTO with authors, like counts, the caller's likes and
 * attachments: at most three queries for any number of posts, never one per post.
 */
export async function toPosts(
  deps: AppDeps,
  docs: PostDoc[],
  context: {
    viewerId: string | null;
    bestPostId: string | null;
    justWritten?: boolean;
    /** The posts' like stats when the caller read them already (findTopicWithCachedPage). */
    likes?: LikeStat[];
  },
): Promise<Post[]> {
  const ids = docs.map((d) => d._id);
  const [authors, likes, files] = await Promise.all([
    loadAuthors(
      deps,
      docs.map((d) => d.authorId),
    ),
    // A post just written has no likes yet: no query.
    context.likes ?? (context.justWritten ? [] : likeStats(deps.db, ids, context.viewerId)),
    findFiles(
      deps.db,
      docs.flatMap((d) => (d.deletedAt ? [] : d.attachmentIds)),
    ),
  ]);
  const likesOf = new Map(likes.map((l) => [l.postId, l]));
  const fileOf = new Map(files.map((f) => [f.id, f]));
  return docs.map((d) => {
    const author = authors.get(d.authorId);
    if (!author) throw new Error(`post ${d._id} has an unknown author`);
    const deleted = d.deletedAt !== null;
    return {
      id: d._id,
      topicId: d.topicId,
      parentId: d.parentId,
      depth: d.depth,
      author,
      bodyHtml: deleted ? null : d.bodyHtml,
      deleted,
      editedAt: d.editedAt,
      likeCount: Number(likesOf.get(d._id)?.count ?? 0),
      likedByMe: likesOf.get(d._id)?.mine ?? false,
      isBestAnswer: d._id === context.bestPostId,
      attachments: deleted ? [] : d.attachmentIds.flatMap((id) => fileOf.get(id) ?? []),
      createdAt: d.createdAt,
      replies: [],
      moreReplies: false,
    };
  });
}

/** Nests posts under their shown parent (`treeParentId`), keeping each level in time order. */
export function nest(posts: Post[], docs: PostDoc[]): Post[] {
  const byId = new Map(posts.map((p) => [p.id, p]));
  const roots: Post[] = [];
  docs.forEach((doc, i) => {
    const post = posts[i] as Post;
    const parent = doc.treeParentId ? byId.get(doc.treeParentId) : undefined;
    if (parent) parent.replies.push(post);
    else roots.push(post);
  });
  return roots;
}
