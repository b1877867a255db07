import { randomUUID } from "node:crypto";
import type { TopicEvent } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { defineChannel } from "../../infra/events/bus";
import { streamChannel } from "../../infra/events/stream";
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

/** Posting ends "typing" at once instead of letting clients time it out. */
export async function stopTyping(deps: AppDeps, topicId: string, userId: string) {
  if (await deps.redis.command.del(typingKey(deps, topicId, userId)))
    await broadcastTyping(deps, topicId, userId, false);
}

async function broadcastTyping(deps: AppDeps, topicId: string, userId: string, active: boolean) {
  const author = (await loadAuthors(deps.db, [userId])).get(userId);
  if (!author) return;
  const user = { id: author.id, firstName: author.firstName, lastName: author.lastName };
  await deps.events.broadcast(topicChannel, topicId, { type: "typing", user, active });
}

// ---------------------------------------------------------------- presence

const PRESENCE_TTL_MS = 60_000;
const HEARTBEAT_MS = 20_000;

/** Who is viewing a topic now: a Redis sorted set of `userId:connection` scored by expiry. */
async function broadcastPresence(deps: AppDeps, topicId: string) {
  const key = `${deps.redis.prefix}presence:${topicId}`;
  await deps.redis.command.zremrangebyscore(key, "-inf", Date.now());
  const members = await deps.redis.command.zrange(key, "0", "-1");
  const userIds = [...new Set(members.map((m) => m.split(":")[0] as string))];
  const authors = await loadAuthors(deps.db, userIds);
  const viewers = [...authors.values()].map((a) => ({ id: a.id, firstName: a.firstName, lastName: a.lastName }));
  await deps.events.broadcast(topicChannel, topicId, { type: "presence", viewers });
}

async function joinPresence(deps: AppDeps, topicId: string, userId: string): Promise<() => Promise<void>> {
  const key = `${deps.redis.prefix}presence:${topicId}`;
  const member = `${userId}:${randomUUID()}`;
  const touch = () => deps.redis.command.zadd(key, Date.now() + PRESENCE_TTL_MS, member);
  await touch();
  await deps.redis.command.pexpire(key, PRESENCE_TTL_MS * 2);
  const heartbeat = setInterval(() => void touch().catch(() => {}), HEARTBEAT_MS);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    await deps.redis.command.zrem(key, member);
    await broadcastPresence(deps, topicId);
  };
}

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
  const leave = await joinPresence(deps, topic.id, caller.userId);
  try {
    // Announce after the listener is attached (streamChannel subscribes on first pull).
    const first = stream.next();
    await broadcastPresence(deps, topic.id);
    const head = await first;
    if (!head.done) {
      yield head.value;
      yield* stream;
    }
  } finally {
    await leave().catch(() => {});
  }
}
