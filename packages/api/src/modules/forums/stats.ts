import type { AppDeps } from "../../deps";
import { countLivePosts } from "./post-docs";
import { countLiveTopics } from "./repo";

/** An organization's live forum topics and posts, for its stats. */
export async function forumCountsOf(deps: AppDeps, orgId: string): Promise<{ topics: number; posts: number }> {
  const [topics, posts] = await Promise.all([countLiveTopics(deps.db, orgId), countLivePosts(deps.mongo, orgId)]);
  return { topics, posts };
}
