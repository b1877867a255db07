import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { recordActivity } from "../activity/repo";
import { type NewNotification, notify } from "../notifications/create";
import { activeUserIds } from "../users/repo";
import type { TopicRow } from "./repo";
import type { CleanRichText } from "./rich-text";

/** What a forum write causes besides itself: an activity event, notifications. */

/** Every forum write lands in the activity feed, visible to whoever may see the topic. */
export const track = (
  deps: AppDeps,
  caller: Principal,
  topic: Pick<TopicRow, "id" | "title" | "visibility">,
  type: string,
  data: Record<string, unknown> = {},
) =>
  recordActivity(deps.mongo, {
    type: `forum.${type}`,
    actorId: caller.userId,
    organizationId: caller.organizationId,
    visibility: topic.visibility,
    subjectId: topic.id,
    data: { title: topic.title, ...data },
  });

/** Notifications only for active people who can see the topic; the topic is their subject. */
export async function notifyReaders(
  deps: AppDeps,
  db: Db,
  topic: Pick<TopicRow, "id" | "visibility" | "organizationId">,
  items: Omit<NewNotification, "subjectId">[],
) {
  const allowed = await activeUserIds(
    db,
    [...new Set(items.map((n) => n.userId))],
    topic.visibility === "organization" ? topic.organizationId : undefined,
  );
  await notify(
    deps,
    db,
    items.filter((n) => allowed.has(n.userId)).map((n) => ({ ...n, subjectId: topic.id })),
  );
}

export const notifyMentions = (
  deps: AppDeps,
  db: Db,
  caller: Principal,
  topic: Pick<TopicRow, "id" | "visibility" | "organizationId">,
  body: CleanRichText,
  data: { topicId: string; postId: string },
) =>
  notifyReaders(
    deps,
    db,
    topic,
    body.mentions.map((userId) => ({ userId, type: "forum.mention", actorId: caller.userId, data })),
  );
