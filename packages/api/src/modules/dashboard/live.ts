import { type ActivityItem, type ActivityStreamEvent, ActivityType } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { defineChannel } from "../../infra/events/bus";
import { streamChannel } from "../../infra/events/stream";
import { type ActivityEvent, recordActivity } from "../activity/repo";
import { loadAuthors } from "../users/authors";
import { dashboardChanged } from "./invalidate";

/**
 * The live activity feed: one channel key per organization (everything its people do, its
 * organization-only topics included) and one for the platform (what anyone does in the open).
 * A subscriber listens to one key; "me" is its organization's key filtered to its own events on
 * the node. Nothing is pushed into personal streams.
 */
export const activityChannel = defineChannel<ActivityStreamEvent>("dashboard.activity");
export const PLATFORM_KEY = "platform";
export const orgKey = (orgId: string) => `org:${orgId}`;

const FEED_TYPES = new Set<string>(ActivityType.options);

/**
 * Activity types whose events change a stats count, and whether they change the platform block
 * too: replies and best answers move people's and organizations' numbers, never the platform's
 * (organizations, people, topics, use cases), so the one block every member reads is not dropped
 * by every reply.
 */
const COUNTED = new Map<string, { platform: boolean }>([
  ["forum.topic.created", { platform: true }],
  ["forum.topic.deleted", { platform: true }],
  ["forum.post.created", { platform: false }],
  ["forum.post.deleted", { platform: false }],
  ["forum.bestAnswer.changed", { platform: false }],
  ["useCase.published", { platform: true }],
  ["useCase.unpublished", { platform: true }],
  ["useCase.deleted", { platform: true }],
  ["useCase.restored", { platform: true }],
  ["useCase.archived", { platform: true }],
]);

/**
 * Records a committed write's activity event, invalidates the dashboard counts it changes (the
 * actor's and `affected` people's "me" blocks, their organizations' blocks, the platform block)
 * and, for a kind the feed shows, publishes it to its organization's channel and (when visible
 * platform-wide) the platform's.
 */
export async function recordAndAnnounce(
  deps: AppDeps,
  event: Omit<ActivityEvent, "_id" | "createdAt">,
  affected: { users?: readonly (string | null | undefined)[]; orgs?: readonly (string | null | undefined)[] } = {},
): Promise<void> {
  const stored = await recordActivity(deps.mongo, event);
  const counted = COUNTED.get(event.type);
  await Promise.all([
    counted
      ? dashboardChanged(deps, {
          users: [event.actorId, ...(affected.users ?? [])],
          orgs: [event.organizationId, ...(affected.orgs ?? [])],
          platform: counted.platform,
        })
      : null,
    FEED_TYPES.has(event.type) ? publish(deps, stored) : null,
  ]);
}

async function publish(deps: AppDeps, event: ActivityEvent) {
  const actor = (await loadAuthors(deps, [event.actorId])).get(event.actorId) ?? null;
  const item = toItem(event, actor, String(event.data.title ?? ""));
  const message: ActivityStreamEvent = { type: "activity", item };
  await Promise.all([
    deps.events.publish(activityChannel, orgKey(event.organizationId), message),
    event.visibility === "platform" ? deps.events.publish(activityChannel, PLATFORM_KEY, message) : null,
  ]);
}

export function toItem(event: ActivityEvent, actor: ActivityItem["actor"], title: string): ActivityItem {
  return {
    id: event._id,
    type: event.type as ActivityItem["type"],
    actor,
    subject: { kind: event.type.startsWith("forum.") ? "topic" : "useCase", id: event.subjectId, title },
    postId: typeof event.data.postId === "string" ? event.data.postId : null,
    createdAt: event.createdAt,
  };
}

/**
 * The live feed of one scope, resumable from `lastEventId`. `me` filters its organization's key to
 * the caller's own events here, on the node.
 */
export function activityEvents(
  deps: AppDeps,
  caller: Principal,
  input: { scope: "me" | "organization" | "platform"; lastEventId?: string | null },
  signal?: AbortSignal,
) {
  const key = input.scope === "platform" ? PLATFORM_KEY : orgKey(caller.organizationId);
  const stream = streamChannel(deps.events, activityChannel, key, { lastEventId: input.lastEventId, signal });
  return input.scope === "me" ? onlyBy(stream, caller.userId) : stream;
}

async function* onlyBy<T extends { data: ActivityStreamEvent | { type: "resync" } }>(
  stream: AsyncIterable<T>,
  userId: string,
) {
  for await (const event of stream) {
    if (event.data.type !== "activity" || event.data.item.actor?.id === userId) yield event;
  }
}
