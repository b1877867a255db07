import { Redis } from "ioredis";
import type { Logger } from "../logger";

/** Two connections: one for commands, one parked in subscriber mode for pub/sub. */
export interface RedisClients {
  command: Redis;
  subscriber: Redis;
  /** Namespaces every key and channel, so tests and tenants sharing one server never collide. */
  prefix: string;
  url: string;
}

export function createRedis(opts: { url: string; prefix: string }, logger: Logger): RedisClients {
  const options = {
    // Reconnect with capped backoff; commands queue while disconnected and fail after 3 tries.
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    maxRetriesPerRequest: 3,
    lazyConnect: false,
  };
  const connect = (role: string) =>
    new Redis(opts.url, options).on("error", (err) =>
      logger.warn({ err: err.message, role }, "redis connection error"),
    );
  return {
    command: connect("command"),
    subscriber: connect("subscriber"),
    prefix: opts.prefix,
    url: opts.url,
  };
}

export async function closeRedis(redis: RedisClients): Promise<void> {
  // A connection in subscriber mode cannot QUIT cleanly; it has nothing in flight to flush anyway.
  redis.subscriber.disconnect();
  await redis.command.quit().catch(() => redis.command.disconnect());
}
