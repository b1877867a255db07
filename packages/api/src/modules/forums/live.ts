import type { TopicEvent } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { defineChannel } from "../../infra/events/bus";
import { streamChannel } from "../../infra/events/stream";
import type { PresenceScope } from "../../infra/presence/presence";
import { unavailableStore } from "../../infra/store-errors";
import { loadAuthors } from "../users/authors";
import { findVisibleTopic } from "./access";

/** What every viewer of a topic sees live: posts, likes, best answer, topic changes, typing, presence. */
export const topicChannel = defineChannel<TopicEvent>("forum.topic");

/** Tells the topic's subscribers (on every node) and keeps the event in the topic's backlog for resume. */
export const publishTopicEvent = (deps: AppDeps, topicId: string, event: TopicEvent) =>
  deps.events.publish(topicChannel, topicId, event);

// ---------------------------------------------------------------- typing

const TYPING_THROTTLE_S = 3;

const typingKey = (deps: AppDeps, topicId: string, userId: string) => `${deps.redis.prefix}typing:${topicId}:${userId}`;

/** Throttled per user and topic: at most one "typing" broadcast every few seconds. */
export async function setTyping(deps: AppDeps, caller: Principal, topicId: string) {
  await findVisibleTopic(deps.db, caller, topicId);
  const first = await deps.redis.command.set(
    typingKey(deps, topicId, caller.userId),
    "1",
    "EX",
    TYPING_THROTTLE_S,
    "NX",
  );
  if (first) await broadcastTyping(deps, topicId, caller.userId, true);
  return { ok: true as const };
}

/**
 * Posting ends "typing" at once instead of letting clients time it out. Best effort: with Redis
 * down the post is written all the same, and clients time the indicator out.
 */
export async function stopTyping(deps: AppDeps, topicId: string, userId: string) {
  const deleted = await deps.redis.command.del(typingKey(deps, topicId, userId)).catch((err) => {
    if (unavailableStore(err)) return 0;
    throw err;
  });
  if (deleted) await broadcastTyping(deps, topicId, userId, false);
}

async function broadcastTyping(deps: AppDeps, topicId: string, userId: string, active: boolean) {
  const author = (await loadAuthors(deps.db, [userId])).get(userId);
  if (!author) return;
  const user = { id: author.id, firstName: author.firstName, lastName: author.lastName };
  await deps.events.broadcast(topicChannel, topicId, { type: "typing", user, active });
}

// ---------------------------------------------------------------- presence

/**
 * The viewers of a topic (infra/presence): joining and leaving only mark the topic changed; at most
 * once per interval one node broadcasts the count and the first viewers to every subscriber.
 */
export const topicPresence: PresenceScope<AppDeps> = {
  name: "forum.topic",
  async publish(deps, topicId, { count, userIds }) {
    const authors = await loadAuthors(deps.db, userIds);
    const viewers = userIds.flatMap((id) => {
      const a = authors.get(id);
      return a ? [{ id: a.id, firstName: a.firstName, lastName: a.lastName }] : [];
    });
    await deps.events.broadcast(topicChannel, topicId, { type: "presence", count, viewers });
  },
};

// ---------------------------------------------------------------- the topic stream

/**
 * The live stream of one topic (resumable from `lastEventId`), plus typing and presence. Access
 * is checked before anything is streamed; the stream ends when `signal` aborts (the client left,
 * or the caller's access changed).
 */
export async function* topicEvents(
  deps: AppDeps,
  caller: Principal,
  input: { topicId: string; lastEventId?: string | null },
  signal?: AbortSignal,
) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  const stream = streamChannel(deps.events, topicChannel, topic.id, {
    lastEventId: input.lastEventId,
    signal,
  });
  // Join after the listener is attached (streamChannel subscribes on first pull), so the presence
  // naming this viewer reaches them too.
  const first = stream.next();
  const leave = deps.presence.join(topicPresence.name, topic.id, caller.userId);
  try {
    const head = await first;
    if (!head.done) {
      yield head.value;
      yield* stream;
    }
  } finally {
    leave();
  }
}
