import type { Db, HeldFile, Mongo } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { notFound } from "../../lib/errors";
import { findPostDoc, type PostDoc } from "./post-docs";
import { findVisibleTopicRow, type TopicRow, topicsHoldingFiles, visibleTopicIds } from "./repo";

/**
 * Who may see and change what in the forums. A topic is visible platform-wide or only to its
 * author's organization; anything the caller may not see answers NOT_FOUND, so ids cannot be probed.
 */

/** A visible, live topic, or NOT_FOUND. */
export async function findVisibleTopic(db: Db, caller: Principal, id: string): Promise<TopicRow> {
  const topic = await findVisibleTopicRow(db, caller.organizationId, id);
  if (!topic) throw notFound("Topic");
  return topic;
}

/** A released post in a topic the caller may see, or NOT_FOUND (the same answer for both). */
export async function findVisiblePost(deps: { db: Db; mongo: Mongo }, caller: Principal, postId: string) {
  const post = await findPostDoc(deps.mongo, postId);
  if (!post) throw notFound("Post");
  const topic = await findVisibleTopic(deps.db, caller, post.topicId).catch(() => {
    throw notFound("Post");
  });
  return { post, topic };
}

/**
 * Which of these files the caller may download because a post they may see holds them: a released,
 * undeleted post in a live topic visible to the caller. The forums' file holder (modules/index.ts).
 */
export async function visibleAttachments(
  deps: { db: Db; mongo: Mongo },
  caller: Principal,
  files: readonly HeldFile[],
): Promise<Set<string>> {
  const held = await topicsHoldingFiles(deps.db, [...new Set(files.map((f) => f.id))]);
  const topics = await visibleTopicIds(deps.db, caller.organizationId, [...new Set(held.map((h) => h.topicId))]);
  return new Set(held.filter((h) => topics.has(h.topicId)).map((h) => h.fileId));
}

/** Which of these files live posts hold (the forums' file holder: their uploader cannot delete them). */
export async function heldAttachments(db: Db, files: readonly HeldFile[]): Promise<Set<string>> {
  const held = await topicsHoldingFiles(db, [...new Set(files.map((f) => f.id))]);
  return new Set(held.map((h) => h.fileId));
}

/** The author, an admin of the author's organization, or a platform moderator. */
const isAuthorOrTheirAdmin = (content: { authorId: string; organizationId: string }, caller: Principal) =>
  content.authorId === caller.userId ||
  (caller.role === "admin" && content.organizationId === caller.organizationId) ||
  caller.isModerator;

/** Edit or delete a topic. */
export const canEditTopic = (topic: TopicRow, caller: Principal) => isAuthorOrTheirAdmin(topic, caller);

/** Delete a post (leaving a tombstone). */
export const canDeletePost = (post: PostDoc, caller: Principal) => isAuthorOrTheirAdmin(post, caller);

/** Edit a post: its author only. */
export const canEditPost = (post: PostDoc, caller: Principal) => post.authorId === caller.userId;

/** Pin and lock: moderators anywhere; org admins for their organization's own (org-visible) topics. */
export const canModerate = (topic: TopicRow, caller: Principal) =>
  caller.isModerator ||
  (caller.role === "admin" && topic.organizationId === caller.organizationId && topic.visibility === "organization");

/** Choose the best answer: the topic's author only. */
export const canMarkBestAnswer = (topic: TopicRow, caller: Principal) => topic.authorId === caller.userId;
