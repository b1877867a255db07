import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Config } from "../config";
import type { RedisClients } from "./redis/redis";

export type RateLimits = ReturnType<typeof createRateLimits>;

/** Redis-backed limits shared by every node (rate-limiter-flexible). */
export function createRateLimits(redis: RedisClients, config: Config) {
  const limiter = (name: string, points: number, durationSec: number) =>
    new RateLimiterRedis({
      storeClient: redis.command,
      keyPrefix: `${redis.prefix}rl:${name}`,
      points,
      duration: durationSec,
      // Block for the rest of the window once exhausted.
      blockDuration: durationSec,
    });
  return {
    signInFailuresPerAccount: limiter("signin-account", config.auth.signInFailures.perAccount, 15 * 60),
    signInFailuresPerIp: limiter("signin-ip", config.auth.signInFailures.perIp, 15 * 60),
    /** Emails a caller can trigger (reset, verification, invitations) per address per hour. */
    emailsPerAddress: limiter("email", 5, 60 * 60),
  };
}

/** Seconds until the limiter allows again, or 0 when it allows now. */
export async function blockedFor(limiter: RateLimiterRedis, key: string): Promise<number> {
  const res = await limiter.get(key);
  return res && res.consumedPoints >= limiter.points ? Math.ceil(res.msBeforeNext / 1000) : 0;
}

/**
 * Consumes one point. `rejected`: this call was over the limit. `retryAfter`: seconds until the
 * window resets once the limit is used up (by this call or before), else 0.
 */
export async function consume(
  limiter: RateLimiterRedis,
  key: string,
): Promise<{ rejected: boolean; retryAfter: number }> {
  try {
    const res = await limiter.consume(key);
    return { rejected: false, retryAfter: res.remainingPoints > 0 ? 0 : Math.ceil(res.msBeforeNext / 1000) };
  } catch (err) {
    if (err instanceof RateLimiterRes) return { rejected: true, retryAfter: Math.ceil(err.msBeforeNext / 1000) };
    throw err;
  }
}
