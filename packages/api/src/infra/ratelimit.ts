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
  const { perAccount, perIp, perAccountIp, windowSec } = config.auth.signInFailures;
  return {
    // Password attempts (docs/security.md, "Sign-in limits"). Each counts before the password is
    // checked; a success gives its point back.
    /** Soft: only attempts from devices the account does not know count here. */
    signInFailuresPerAccount: limiter("signin-account", perAccount, windowSec),
    signInFailuresPerIp: limiter("signin-ip", perIp, windowSec),
    /** Strict: one account from one IP, known device or not. */
    signInFailuresPerAccountIp: limiter("signin-account-ip", perAccountIp, windowSec),
    /** Second-factor codes checked outside sign-in (auth.totp.enable/disable), per user. */
    totpFailuresPerUser: limiter("totp-user", config.auth.totpFailuresPerUser, windowSec),
    knownDevices: knownDevices(redis, config.auth.knownDeviceTtlSec),
    /** Emails a caller can trigger (reset, verification, invitations) per address per hour. */
    emailsPerAddress: limiter("email", 5, 60 * 60),
    /** Mail one user causes to be sent to other addresses (invitations) per hour. */
    mailPerSender: limiter("mail-sender", config.mail.perSenderPerHour, 60 * 60),
  };
}

/**
 * IPs that signed in to an account before (a Redis key per user and IP, kept for `ttlSec` after the
 * last sign-in): their attempts skip the soft per-account limit, so strangers cannot lock them out.
 */
function knownDevices(redis: RedisClients, ttlSec: number) {
  const key = (userId: string, ip: string) => `${redis.prefix}known-device:${userId}:${ip}`;
  return {
    async has(userId: string, ip: string | null): Promise<boolean> {
      return ip !== null && (await redis.command.exists(key(userId, ip))) === 1;
    },
    async add(userId: string, ip: string | null): Promise<void> {
      if (ip !== null) await redis.command.set(key(userId, ip), "1", "EX", ttlSec);
    },
  };
}

/** Gives back one point consumed by an attempt that turned out fine (or was never made). */
export async function refund(limiter: RateLimiterRedis, key: string): Promise<void> {
  // Not past zero: a window that ended meanwhile must not start the next one with a bonus point.
  const res = await limiter.get(key);
  if (res && res.consumedPoints > 0) await limiter.reward(key, 1);
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
