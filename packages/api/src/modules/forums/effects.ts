import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { recordAudit } from "../audit/repo";
import { recordAndAnnounce } from "../dashboard/live";
import { type NewNotification, notify, type PlannedNotification, planNotifications } from "../notifications/create";
import { activeUserIds } from "../users/repo";
import type { TopicRow } from "./repo";
import type { CleanRichText } from "./rich-text";

/** What a forum write causes besides itself: an activity event, notifications, an audit entry. */

/**
 * Every forum write lands in the activity feed, visible to whoever may see the topic; the
 * dashboard's counts it changes are invalidated for the actor, the topic's author and organization,
 * and `affected` people (a post's author when someone else deleted it or chose it as best answer).
 */
export const track = (
  deps: AppDeps,
  caller: Principal,
  topic: Pick<TopicRow, "id" | "title" | "visibility"> & Partial<Pick<TopicRow, "authorId" | "organizationId">>,
  type: string,
  data: Record<string, unknown> = {},
  affected: { users?: (string | null | undefined)[]; orgs?: (string | null | undefined)[] } = {},
) =>
  recordAndAnnounce(
    deps,
    {
      type: `forum.${type}`,
      actorId: caller.userId,
      organizationId: caller.organizationId,
      visibility: topic.visibility,
      subjectId: topic.id,
      data: { title: topic.title, ...data },
    },
    { users: [topic.authorId, ...(affected.users ?? [])], orgs: [topic.organizationId, ...(affected.orgs ?? [])] },
  );

/**
 * A moderation act (pin, lock, or an admin's or moderator's edit or deletion of someone else's
 * topic or post) in the audit log of the organization whose content it was, whose admins answer
 * for it; written in the change's transaction. `action` is the activity's type ("topic.locked").
 */
export const auditModeration = (
  db: Db,
  caller: Principal,
  ip: string | null,
  action: string,
  target: { type: "topic" | "post"; id: string; authorId: string; organizationId: string },
  metadata: Record<string, unknown>,
) =>
  recordAudit(db, {
    organizationId: target.organizationId,
    actorId: caller.userId,
    action: `forums.${action}`,
    targetType: target.type,
    targetId: target.id,
    // The log is the content's organization's: a platform moderator from another one is named
    // there, but their address stays theirs (as useCases.moderate records none).
    ip: caller.organizationId === target.organizationId ? ip : null,
    metadata: { authorId: target.authorId, ...metadata },
  });

type ForumTopic = Pick<TopicRow, "id" | "visibility" | "organizationId">;

/** Of these people, the active ones who can see the topic. */
const readersAmong = (db: Db, topic: ForumTopic, items: Omit<NewNotification, "subjectId">[]) =>
  activeUserIds(
    db,
    [...new Set(items.map((n) => n.userId))],
    topic.visibility === "organization" ? topic.organizationId : undefined,
  );

const aboutTopic = (topic: ForumTopic, items: Omit<NewNotification, "subjectId">[]) =>
  items.map((n) => ({ ...n, subjectId: topic.id }));

/** Notifications only for active people who can see the topic; the topic is their subject. */
async function forReaders(db: Db, topic: ForumTopic, items: Omit<NewNotification, "subjectId">[]) {
  const readers = await readersAmong(db, topic, items);
  return aboutTopic(topic, items).filter((n) => readers.has(n.userId));
}

/**
 * Reads only (planNotifications): a write plans before its transaction and stores in it. Who may
 * read the topic is asked while the rest is planned (one wait instead of two).
 */
export async function planReaderNotifications(
  deps: AppDeps,
  db: Db,
  topic: ForumTopic,
  items: Omit<NewNotification, "subjectId">[],
): Promise<PlannedNotification[]> {
  const [readers, planned] = await Promise.all([
    readersAmong(db, topic, items),
    planNotifications(deps, db, aboutTopic(topic, items)),
  ]);
  return planned.filter((n) => readers.has(n.userId));
}

/** Plans, stores and dispatches, in the caller's transaction (`notify`). */
export const notifyReaders = async (
  deps: AppDeps,
  db: Db,
  topic: ForumTopic,
  items: Omit<NewNotification, "subjectId">[],
) => notify(deps, db, await forReaders(db, topic, items));

/** A notification for each person `body` mentions. */
export const mentionsIn = (caller: Principal, body: CleanRichText, data: { topicId: string; postId: string }) =>
  body.mentions.map((userId) => ({ userId, type: "forum.mention" as const, actorId: caller.userId, data }));

export const notifyMentions = (
  deps: AppDeps,
  db: Db,
  caller: Principal,
  topic: ForumTopic,
  body: CleanRichText,
  data: { topicId: string; postId: string },
) => notifyReaders(deps, db, topic, mentionsIn(caller, body, data));
