import type { AppDeps } from "../../deps";
import { countLivePosts, livePostsBy } from "./post-docs";
import { countLiveTopics, countTopicsWhere, firstAndBestAmong } from "./repo";

/** An organization's live forum topics and posts (created since `since`, when given), for its stats. */
export async function forumCountsOf(
  deps: AppDeps,
  orgId: string,
  since?: Date | null,
): Promise<{ topics: number; posts: number }> {
  const [topics, posts] = await Promise.all([
    countLiveTopics(deps.db, orgId, since),
    countLivePosts(deps.mongo, orgId, since),
  ]);
  return { topics, posts };
}

/**
 * A person's forum numbers for their dashboard, over what they created since `since` (all with
 * null): live topics, replies (live posts that are not a topic's first post), and best answers
 * (their posts that are the best answer of a live topic).
 */
export async function personForumCounts(deps: AppDeps, userId: string, since: Date | null) {
  const [topics, posts] = await Promise.all([
    countTopicsWhere(deps.db, { authorId: userId }, since),
    livePostsBy(deps.mongo, userId, since),
  ]);
  const { first, best } = await firstAndBestAmong(
    deps.db,
    posts.map((p) => ({ id: p._id, topicId: p.topicId })),
  );
  return { topics, replies: posts.length - first, bestAnswers: best };
}

/** Live topics visible platform-wide created since `since` (all with null). */
export const platformTopicCount = (deps: AppDeps, since: Date | null) =>
  countTopicsWhere(deps.db, { platform: true }, since);
