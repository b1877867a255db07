import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Config } from "../config";
import type { Logger } from "./logger";
import type { RedisClients } from "./redis/redis";
import { warnStoreUnavailable } from "./store-errors";

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
    /** Direct messages per sender: a burst and a sustained rate (each must allow). */
    messagesPerUser: [
      limiter("dm-burst", config.messages.per10Seconds, 10),
      limiter("dm-hour", config.messages.perHour, 60 * 60),
    ],
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

/** Which general limit a decision is about: `ip-second`, `ip-minute`, `principal-second`, `principal-minute`. */
export type RequestLimitName = `${"ip" | "principal"}-${"second" | "minute"}`;

/**
 * What the general limit decided for one request, reported with the limit closest to running out
 * (the IETF RateLimit headers): `limit` points per window, `remaining` in it, `resetSec` until it
 * starts again. When `rejected`, the limit that refused, and `resetSec` is when to try again.
 */
export interface RequestLimitDecision {
  rejected: boolean;
  name: RequestLimitName;
  limit: number;
  remaining: number;
  resetSec: number;
}

interface NamedLimiter {
  name: RequestLimitName;
  limiter: RateLimiterRedis;
}

/**
 * The general request limit (docs/security.md, "Request rate limits"): a burst (per second) and a
 * sustained (per minute) fixed window per client IP, and the same per signed-in user, counted in
 * Redis so every node shares them. All of a request's windows are consumed at once (parallel
 * commands on one connection: one round trip). A window used up is also remembered in this
 * process until it ends (`inMemoryBlockOnConsumed`), so a caller over the limit costs no Redis
 * call at all. When Redis fails, the request passes (fail open, logged): an outage of the store
 * must not turn into refusals.
 */
export class RequestLimiter {
  private readonly perIp: NamedLimiter[];
  private readonly perPrincipal: NamedLimiter[];

  constructor(
    redis: RedisClients,
    limits: Config["limits"]["requests"],
    private readonly logger: Logger,
  ) {
    const limiter = (name: RequestLimitName, points: number, duration: number): NamedLimiter[] =>
      points > 0
        ? [
            {
              name,
              limiter: new RateLimiterRedis({
                storeClient: redis.command,
                keyPrefix: `${redis.prefix}rl:req-${name}`,
                points,
                duration,
                // The last point of a window blocks the key here until the window ends.
                inMemoryBlockOnConsumed: points,
                // Redis not connected: fail at once (then open) rather than queue.
                rejectIfRedisNotReady: true,
              }),
            },
          ]
        : [];
    this.perIp = [
      ...limiter("ip-second", limits.perIp.perSecond, 1),
      ...limiter("ip-minute", limits.perIp.perMinute, 60),
    ];
    this.perPrincipal = [
      ...limiter("principal-second", limits.perPrincipal.perSecond, 1),
      ...limiter("principal-minute", limits.perPrincipal.perMinute, 60),
    ];
  }

  get enabled(): boolean {
    return this.perIp.length > 0 || this.perPrincipal.length > 0;
  }

  /**
   * Takes `cost` points from the caller's windows: the IP's, and the user's when signed in. A
   * cost above a window's size takes the whole window (a full batch still passes a fresh one).
   * Null when no limit applies or Redis did not answer.
   */
  async take(ip: string, userId: string | null, cost: number): Promise<RequestLimitDecision | null> {
    const taken: Promise<RateLimiterRes>[] = [];
    const limiters: NamedLimiter[] = [];
    for (const l of this.perIp) {
      limiters.push(l);
      taken.push(l.limiter.consume(ip, Math.min(cost, l.limiter.points)));
    }
    if (userId !== null) {
      for (const l of this.perPrincipal) {
        limiters.push(l);
        taken.push(l.limiter.consume(userId, Math.min(cost, l.limiter.points)));
      }
    }
    const results = await Promise.allSettled(taken);
    let decision: RequestLimitDecision | null = null;
    for (let i = 0; i < results.length; i++) {
      const result = results[i] as PromiseSettledResult<RateLimiterRes>;
      const { name, limiter } = limiters[i] as NamedLimiter;
      let rejected = false;
      let res: RateLimiterRes;
      if (result.status === "fulfilled") res = result.value;
      else if (result.reason instanceof RateLimiterRes) {
        rejected = true;
        res = result.reason;
      } else {
        warnStoreUnavailable(this.logger, "redis", result.reason, { what: "request rate limit", limit: name });
        continue;
      }
      const remaining = rejected ? 0 : Math.max(0, res.remainingPoints);
      const resetSec = Math.ceil(res.msBeforeNext / 1000);
      // Reported: a refusal over any pass (the longest wait among refusals), else the fewest points left.
      const tighter =
        decision === null ||
        (rejected
          ? !decision.rejected || resetSec > decision.resetSec
          : !decision.rejected &&
            (remaining < decision.remaining || (remaining === decision.remaining && resetSec > decision.resetSec)));
      if (tighter) decision = { rejected, name, limit: limiter.points, remaining, resetSec };
    }
    return decision;
  }
}
