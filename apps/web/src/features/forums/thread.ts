import type { RouterOutputs } from "@p2p/client";
import type { InfiniteData } from "@tanstack/react-query";

/** The loaded pages of a topic's thread: top-level posts in time order, replies nested under them. */
export type PostPage = RouterOutputs["forums"]["listPosts"];
export type Post = PostPage["items"][number];
export type Pages = InfiniteData<PostPage, string | null>;

/** The first loaded post that `test` accepts, wherever it hangs. */
function findWhere(pages: Pages | undefined, test: (p: Post) => boolean): Post | undefined {
  const find = (posts: Post[]): Post | undefined => {
    for (const p of posts) {
      const hit = test(p) ? p : find(p.replies);
      if (hit) return hit;
    }
    return undefined;
  };
  for (const page of pages?.pages ?? []) {
    const hit = find(page.items);
    if (hit) return hit;
  }
  return undefined;
}

/** The post with this id, wherever it hangs in the loaded pages. */
export const findPost = (pages: Pages | undefined, id: string) => findWhere(pages, (p) => p.id === id);

/** The posts changed by `change`; untouched branches keep their identity (React skips them). */
function mapTree(posts: Post[], change: (p: Post) => Post): Post[] {
  let changed = false;
  const next = posts.map((p) => {
    const replies = mapTree(p.replies, change);
    const result = change(replies === p.replies ? p : { ...p, replies });
    if (result !== p) changed = true;
    return result;
  });
  return changed ? next : posts;
}

/** Every post changed by `change` (which returns the post itself to leave it as it is). */
export function mapPosts(pages: Pages, change: (p: Post) => Post): Pages {
  return { ...pages, pages: pages.pages.map((page) => ({ ...page, items: mapTree(page.items, change) })) };
}

/** One post changed, by id. */
export const updatePost = (pages: Pages, id: string, change: (p: Post) => Post): Pages =>
  mapPosts(pages, (p) => (p.id === id ? change(p) : p));

const appendReply = (post: Post) => (p: Post) => ({ ...p, replies: [...p.replies, post] });

/**
 * A new post put where the server would show it: a reply under its parent (or, past the deepest
 * shown level, beside it: its depth says which), a top-level post at the end, but only when the
 * last page is loaded (otherwise it comes with "load more"). Unchanged when it is already there.
 */
export function addPost(pages: Pages, post: Post): Pages {
  if (findPost(pages, post.id)) return pages;
  if (!post.parentId) {
    const last = pages.pages.length - 1;
    if (last < 0 || pages.pages[last]?.nextCursor) return pages;
    return {
      ...pages,
      pages: pages.pages.map((page, i) => (i === last ? { ...page, items: [...page.items, post] } : page)),
    };
  }
  const parent = findPost(pages, post.parentId);
  if (!parent) return pages;
  if (post.depth > parent.depth) return updatePost(pages, parent.id, appendReply(post));
  // Past the deepest level: shown beside its parent, in the replies that hold the parent.
  const holder = findWhere(pages, (p) => p.replies.some((r) => r.id === parent.id));
  return holder ? updatePost(pages, holder.id, appendReply(post)) : pages;
}
