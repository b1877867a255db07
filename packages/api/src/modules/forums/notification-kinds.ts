import type { NotificationTarget } from "@p2p/schemas";
import type { NotificationKind } from "../../deps";
import { topicsAndLivePosts } from "./repo";

/**
 * The forum's notifications (modules/index.ts): each points at a post or a topic, whose subject is
 * the topic. Rendered at read time: a renamed topic shows its new title, a deleted topic or post is
 * "gone", and a topic the reader may no longer see hides the notification.
 */
/** The topic: the subject (older rows, from before subjects were stored, name it in their data). */
const topicOf = (n: { subjectId: string | null; data: Record<string, unknown> }) =>
  n.subjectId ?? (typeof n.data.topicId === "string" ? n.data.topicId : null);

const forumTargets: NotificationKind["targets"] = async (deps, reader, items) => {
  const topicIds = [...new Set(items.flatMap((n) => topicOf(n) ?? []))];
  const postIds = [...new Set(items.flatMap((n) => (typeof n.data.postId === "string" ? [n.data.postId] : [])))];
  // A live post has a search row (deleting a post removes it): PostgreSQL answers by primary key.
  const { topics, live } = await topicsAndLivePosts(deps.db, reader.organizationId, topicIds, postIds);
  const topicById = new Map(topics.map((t) => [t.id, t]));
  const targets = new Map<string, NotificationTarget | "gone">();
  for (const n of items) {
    const id = topicOf(n);
    const topic = id ? topicById.get(id) : undefined;
    const postId = typeof n.data.postId === "string" ? n.data.postId : null;
    if (topic && !topic.visible) continue;
    if (!topic || topic.deletedAt || (postId && !live.has(postId))) {
      targets.set(n.id, "gone");
      continue;
    }
    targets.set(n.id, {
      kind: postId ? "post" : "topic",
      id: postId ?? topic.id,
      topicId: topic.id,
      title: topic.title,
    });
  }
  return targets;
};

const forumKind = (
  type: NotificationKind["type"],
  label: string,
  email: NotificationKind["defaults"]["email"],
  text: NotificationKind["text"],
): NotificationKind => ({ type, label, defaults: { inApp: true, email }, text, targets: forumTargets });

export const forumNotificationKinds: NotificationKind[] = [
  forumKind("forum.reply", "Replies to your posts", "daily", (actor, topic) => `${actor} replied in “${topic}”`),
  forumKind(
    "forum.mention",
    "Mentions of you",
    "immediately",
    (actor, topic) => `${actor} mentioned you in “${topic}”`,
  ),
  forumKind(
    "forum.bestAnswer",
    "Your answer chosen as the best",
    "immediately",
    (actor, topic) => `${actor} chose your answer as the best in “${topic}”`,
  ),
  forumKind(
    "forum.moderation",
    "Moderation of your topics",
    "immediately",
    (actor, topic, data) => `${actor} ${String(data.action ?? "moderated")} your topic “${topic}”`,
  ),
];
