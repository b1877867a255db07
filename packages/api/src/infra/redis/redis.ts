import { type Command, Redis } from "ioredis";
import type { Logger } from "../logger";

/** Two connections: one for commands, one parked in subscriber mode for pub/sub. */
export interface RedisClients {
  command: Redis;
  subscriber: Redis;
  /** Namespaces every key and channel, so tests and tenants sharing one server never collide. */
  prefix: string;
  url: string;
}

/** Reconnect soon and keep trying every second: Redis is usually back within seconds. */
export const redisRetryStrategy = (attempt: number) => Math.min(attempt * 200, 1_000);

/**
 * Logs a connection's outage once (not every reconnect attempt) and its recovery. Without an
 * 'error' listener ioredis would print every failed attempt to stderr.
 */
export function watchRedisConnection(redis: Redis, role: string, logger: Logger): Redis {
  let down = false;
  redis.on("error", (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ store: "redis", role, err: err.message }, "redis connection lost; reconnecting");
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({ store: "redis", role }, "redis connection back");
  });
  return redis;
}

/** How long one command may wait for its answer. */
const REDIS_COMMAND_TIMEOUT_MS = 5_000;

/**
 * A connection for commands that fails fast while Redis is down or hung: commands sent before the
 * first connect wait for it, but once it has been ready a command issued while disconnected is
 * refused at once (no offline queue), one in flight when the connection drops fails after two
 * reconnect attempts, and none waits longer than `REDIS_COMMAND_TIMEOUT_MS`. A command that timed
 * out means the server stopped answering (a frozen host, a cut network): the connection is then
 * dropped and opened again, so the commands after it are refused at once until Redis answers the
 * new connection's handshake, instead of each waiting its own timeout. Callers answer 503
 * (infra/store-errors.ts).
 */
export function failFastRedis(
  url: string,
  role: string,
  logger: Logger,
  opts: { autoPipelining?: boolean } = {},
): Redis {
  const redis = watchRedisConnection(
    new FailFastRedis(url, {
      retryStrategy: redisRetryStrategy,
      connectTimeout: 3_000,
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      enableAutoPipelining: opts.autoPipelining ?? false,
    }),
    role,
    logger,
  );
  redis.once("ready", () => {
    redis.options.enableOfflineQueue = false;
  });
  return redis;
}

class FailFastRedis extends Redis {
  override sendCommand(command: Command, stream?: Parameters<Redis["sendCommand"]>[1]): unknown {
    // A command sent again after a reconnect (ioredis resends what was unanswered) may have timed
    // out already: only one still waiting can say that this connection stopped answering.
    const waiting = !command.isSettled;
    const sent = super.sendCommand(command, stream);
    if (waiting) {
      command.promise.catch((err: Error) => {
        if (err.message !== "Command timed out" || this.status !== "ready") return;
        this.emit("error", err); // logged once by watchRedisConnection
        this.disconnect(true);
      });
    }
    return sent;
  }
}

/**
 * Two connections: commands fail fast (`failFastRedis`). The subscriber keeps its offline queue
 * and retries without limit: ioredis re-subscribes every channel once it is back, and the event
 * bus then replays what was missed from the backlogs.
 */
export function createRedis(opts: { url: string; prefix: string }, logger: Logger): RedisClients {
  // Commands issued in the same tick share one write: a request's publishes, counters and limits
  // and those of the requests around it (ioredis's auto-pipelining).
  const command = failFastRedis(opts.url, "command", logger, { autoPipelining: true });
  const subscriber = watchRedisConnection(
    new Redis(opts.url, {
      retryStrategy: redisRetryStrategy,
      connectTimeout: 3_000,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
    }),
    "subscriber",
    logger,
  );
  return { command, subscriber, prefix: opts.prefix, url: opts.url };
}

/** Bounded: never waits for a Redis that is gone. */
export async function closeRedis(redis: RedisClients): Promise<void> {
  // A connection in subscriber mode cannot QUIT cleanly; it has nothing in flight to flush anyway.
  redis.subscriber.disconnect();
  if (redis.command.status !== "ready") {
    redis.command.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.command.quit().catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 1_000);
    }),
  ]);
  clearTimeout(timer);
  redis.command.disconnect();
}
