import { createHash } from "node:crypto";
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
      // Once used up, the window itself refuses until it ends. (No block on top: a block starts its
      // time again whenever the count crosses the limit anew, so retries kept an owner locked out.)
      duration: durationSec,
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
    /**
     * Sign-up mail per address from everyone together: many IPs must join to hold an address's
     * sign-ups up for an hour (each IP has 5 of `emailsPerAddress` for it).
     */
    signUpMailPerAddress: limiter("signup-address", 20, 60 * 60),
    /** Password-reset mail to one address from everyone together, per hour (each IP has 5 of its own). */
    resetMailPerAddress: limiter("reset-address", 20, 60 * 60),
    /** Sign-ups one IP asks for per hour. */
    signUpsPerIp: limiter("signup-ip", config.mail.signUpsPerIpPerHour, 60 * 60),
    /** Wrong passwords on one sign-up link before it is void. */
    signUpPasswordFailures: limiter("signup-password", 5, 48 * 60 * 60),
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

/** One window of the general limit: `points` per `durationSec`, counted per IP or per user. */
interface Window {
  name: RequestLimitName;
  /** The Redis key prefix of its counters (`<prefix>:<ip or user id>`, as rate-limiter-flexible names them). */
  prefix: string;
  points: number;
  durationMs: number;
  per: "ip" | "principal";
}

/**
 * Every window of one request in one step: per key (its cost and window length in ARGV), a fixed
 * window that starts with the first point (rate-limiter-flexible's RateLimiterRedis, the same keys
 * and arithmetic), answering the points consumed and the milliseconds left, for all keys at once.
 */
const TAKE_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local cost, ms = ARGV[2 * i - 1], ARGV[2 * i]
  redis.call('SET', KEYS[i], 0, 'PX', ms, 'NX')
  local consumed = redis.call('INCRBY', KEYS[i], cost)
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[i], ms)
    ttl = tonumber(ms)
  end
  out[2 * i - 1] = consumed
  out[2 * i] = ttl
end
return out`;
const TAKE_SHA = createHash("sha1").update(TAKE_SCRIPT).digest("hex");
/** Keys one script call takes at most (a batch past it is sent at once). */
const MAX_BATCH_KEYS = 400;

interface Pending {
  keys: string[];
  args: (string | number)[];
  resolve(reply: number[]): void;
  reject(err: unknown): void;
}

/**
 * The general request limit (docs/security.md, "Request rate limits"): a burst (per second) and a
 * sustained (per minute) fixed window per client IP, and the same per signed-in user, counted in
 * Redis so every node shares them. All of a request's windows are taken in one Lua step (one
 * command), shared with the requests that arrived in the same turn of the event loop. A window
 * used up is also remembered in this process until it ends, so a caller over a limit costs no
 * Redis call at all. When Redis fails, the request passes (fail open, logged): an outage of the
 * store must not turn into refusals.
 */
export class RequestLimiter {
  private readonly windows: Window[];
  /** Counter keys used up on this node, and when their window ends (ms since the epoch). */
  private readonly blocked = new Map<string, number>();
  /** Requests waiting for the next script call: those that arrived in the same turn of the event loop. */
  private batch: Pending[] = [];
  private batchKeys = 0;

  constructor(
    private readonly redis: RedisClients,
    limits: Config["limits"]["requests"],
    private readonly logger: Logger,
  ) {
    const window = (name: RequestLimitName, points: number, durationSec: number): Window[] =>
      points > 0
        ? [
            {
              name,
              prefix: `${redis.prefix}rl:req-${name}`,
              points,
              durationMs: durationSec * 1000,
              per: name.startsWith("ip") ? "ip" : "principal",
            },
          ]
        : [];
    this.windows = [
      ...window("ip-second", limits.perIp.perSecond, 1),
      ...window("ip-minute", limits.perIp.perMinute, 60),
      ...window("principal-second", limits.perPrincipal.perSecond, 1),
      ...window("principal-minute", limits.perPrincipal.perMinute, 60),
    ];
  }

  get enabled(): boolean {
    return this.windows.length > 0;
  }

  /**
   * Takes `cost` points from the caller's windows: the IP's, and the user's when signed in. A
   * cost above a window's size takes the whole window (a full batch still passes a fresh one).
   * Null when no limit applies or Redis did not answer.
   */
  async take(ip: string, userId: string | null, cost: number): Promise<RequestLimitDecision | null> {
    const windows: Window[] = [];
    const keys: string[] = [];
    const now = Date.now();
    let refusal: RequestLimitDecision | null = null;
    for (const w of this.windows) {
      if (w.per === "principal" && userId === null) continue;
      const key = `${w.prefix}:${w.per === "ip" ? ip : userId}`;
      const until = this.blocked.get(key);
      if (until !== undefined) {
        if (until > now) {
          const resetSec = Math.ceil((until - now) / 1000);
          if (refusal === null || resetSec > refusal.resetSec) {
            refusal = { rejected: true, name: w.name, limit: w.points, remaining: 0, resetSec };
          }
          continue;
        }
        this.blocked.delete(key);
      }
      windows.push(w);
      keys.push(key);
    }
    // A window used up on this node refuses at once, without asking Redis.
    if (refusal !== null || keys.length === 0) return refusal;

    const args: (string | number)[] = [];
    for (const w of windows) args.push(Math.min(cost, w.points), w.durationMs);
    let reply: number[];
    try {
      reply = await this.submit(keys, args);
    } catch (err) {
      warnStoreUnavailable(this.logger, "redis", err, { what: "request rate limit" });
      return null;
    }
    let decision: RequestLimitDecision | null = null;
    for (let i = 0; i < windows.length; i++) {
      const { name, points } = windows[i] as Window;
      const consumed = Number(reply[2 * i]);
      const msLeft = Number(reply[2 * i + 1]);
      // The last point of a window blocks its key here until the window ends.
      if (consumed >= points) this.remember(keys[i] as string, now + msLeft);
      const rejected = consumed > points;
      const remaining = Math.max(0, points - consumed);
      const resetSec = Math.ceil(msLeft / 1000);
      // Reported: a refusal over any pass (the longest wait among refusals), else the fewest points left.
      const tighter =
        decision === null ||
        (rejected
          ? !decision.rejected || resetSec > decision.resetSec
          : !decision.rejected &&
            (remaining < decision.remaining || (remaining === decision.remaining && resetSec > decision.resetSec)));
      if (tighter) decision = { rejected, name, limit: points, remaining, resetSec };
    }
    return decision;
  }

  /**
   * Requests that arrive together (one turn of the event loop: every socket that was readable)
   * share one script call, in arrival order, so that under load a request costs a fraction of a
   * Redis round trip; each still waits for its own counts before it is let through.
   */
  private submit(keys: string[], args: (string | number)[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ keys, args, resolve, reject });
      this.batchKeys += keys.length;
      if (this.batchKeys >= MAX_BATCH_KEYS) this.flush();
    });
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchKeys = 0;
    const keys = batch.flatMap((p) => p.keys);
    const args = batch.flatMap((p) => p.args);
    this.evaluate(keys, args).then(
      (reply) => {
        let at = 0;
        for (const p of batch) {
          p.resolve(reply.slice(at, at + 2 * p.keys.length));
          at += 2 * p.keys.length;
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }

  /** EVALSHA, loading the script once per Redis server (EVAL) when it does not know it yet. */
  private async evaluate(keys: string[], args: (string | number)[]): Promise<number[]> {
    const redis = this.redis.command;
    // Redis not connected: fail at once (then open) rather than queue.
    if (redis.status !== "ready") throw new Error(`redis connection is ${redis.status}`);
    try {
      return (await redis.evalsha(TAKE_SHA, keys.length, ...keys, ...args)) as number[];
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return (await redis.eval(TAKE_SCRIPT, keys.length, ...keys, ...args)) as number[];
    }
  }

  private remember(key: string, until: number): void {
    // Bounded: expired entries go first; a flood of distinct callers cannot grow it without end.
    if (this.blocked.size >= 100_000) {
      const now = Date.now();
      for (const [k, t] of this.blocked) if (t <= now) this.blocked.delete(k);
      if (this.blocked.size >= 100_000) this.blocked.delete(this.blocked.keys().next().value as string);
    }
    this.blocked.set(key, until);
  }
}
