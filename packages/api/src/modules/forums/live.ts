import { randomUUID } from "node:crypto";
import type { AppDeps } from "../../deps";
import { streamChannel, subscriptionSignal } from "../../trpc/subscriptions";
import type { Principal } from "../../infra/auth/authenticator";
import { loadAuthors } from "../users/authors";
import { findVisibleTopic, topicChannel } from "./service";

const PRESENCE_TTL_MS = 60_000;
const HEARTBEAT_MS = 20_000;

/** Who is viewing a topic now: a Redis sorted set of `userId:connection` scored by expiry. */
async function broadcastPresence(deps: AppDeps, topicId: string) {
  const key = `${deps.redis.prefix}presence:${topicId}`;
  await deps.redis.command.zremrangebyscore(key, "-inf", Date.now());
  const members = await deps.redis.command.zrange(key, 0, -1);
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

/**
 * The live stream of one topic: posts, likes, best answer, topic changes (resumable from
 * `lastEventId`), plus typing and presence. Access is checked before anything is streamed, and
 * the stream ends when the caller's session is revoked.
 */
export async function* topicEvents(
  deps: AppDeps,
  caller: Principal,
  input: { topicId: string; lastEventId?: string | null },
  signal?: AbortSignal,
) {
  const topic = await findVisibleTopic(deps.db, caller, input.topicId);
  const stopSignal = subscriptionSignal(deps, caller, signal);
  const stream = streamChannel(deps.events, topicChannel, topic.id, {
    lastEventId: input.lastEventId,
    signal: stopSignal,
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
