import type { AppDeps } from "../../deps";
import { countLiveTopics, countOrganizationPosts, countPersonPosts, countTopicsWhere } from "./repo";

/** An organization's live forum topics and posts (created since `since`, when given), for its stats. */
export async function forumCountsOf(
  deps: AppDeps,
  orgId: string,
  since?: Date | null,
): Promise<{ topics: number; posts: number }> {
  const [topics, posts] = await Promise.all([
    countLiveTopics(deps.db, orgId, since),
    countOrganizationPosts(deps.db, orgId, since ?? null),
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
    countPersonPosts(deps.db, userId, since),
  ]);
  return { topics, ...posts };
}

/** Live topics visible platform-wide created since `since` (all with null). */
export const platformTopicCount = (deps: AppDeps, since: Date | null) =>
  countTopicsWhere(deps.db, { platform: true }, since);
