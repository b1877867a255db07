import type { RedisClients } from "../redis/redis";
import { unavailableStore } from "../store-errors";

/**
 * "Someone is typing" signals, throttled per (what, who): a Redis key lives a few seconds; only the
 * call that creates it signals, and clients time the indicator out when no new signal comes.
 */
const THROTTLE_S = 3;

const keyOf = (redis: RedisClients, scope: string, id: string) => `${redis.prefix}typing:${scope}:${id}`;

/** True when this call should signal "typing" (no signal for the same key in the last few seconds). */
export async function typingStarted(redis: RedisClients, scope: string, id: string): Promise<boolean> {
  return (await redis.command.set(keyOf(redis, scope, id), "1", "EX", THROTTLE_S, "NX")) === "OK";
}

/**
 * True when "typing" was signalled and should now end at once (the message or post was sent).
 * Best effort: with Redis down the write goes on, and clients time the indicator out.
 */
export async function typingEnded(redis: RedisClients, scope: string, id: string): Promise<boolean> {
  const deleted = await redis.command.del(keyOf(redis, scope, id)).catch((err) => {
    if (unavailableStore(err)) return 0;
    throw err;
  });
  return deleted > 0;
}
