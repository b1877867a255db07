import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { Authenticator } from "../auth/authenticator";
import type { Metrics } from "../metrics";
import type { RequestLimitDecision, RequestLimiter } from "../ratelimit";
import { authenticateRequest } from "./auth";
import type { AppEnv } from "./env";

export interface RateLimitOptions {
  limiter: RequestLimiter;
  authenticator: Authenticator;
  clientIp(req: IncomingMessage): string | null;
  metrics: Metrics;
  /** Points this request takes (a tRPC batch: one per call); 1 by default. */
  cost?(c: Context<AppEnv>): number;
  /** The 429 answer in the face's own error format; the headers are added here. */
  reject(c: Context<AppEnv>, retryAfter: number, message: string): Response | Promise<Response>;
}

const unauthenticated = () => null;

/**
 * The general request limit (infra/ratelimit.ts `RequestLimiter`) as a middleware: every answer
 * carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft, the limit
 * closest to running out); a request over a limit is answered 429 with `Retry-After`, before any
 * work. The caller is authenticated here (once, shared with the handler) to find their user.
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const { limiter, authenticator, clientIp, metrics, cost, reject } = opts;
  if (!limiter.enabled) return (_c, next) => next();
  return async (c, next) => {
    // A failure to authenticate (a store down) is the handler's to answer; the IP limits still apply.
    const auth = await authenticateRequest(c, authenticator).catch(unauthenticated);
    const decision = await limiter.take(
      clientIp(c.env.incoming) ?? "unknown",
      auth?.principal?.userId ?? null,
      cost ? cost(c) : 1,
    );
    if (decision?.rejected) {
      metrics.rateLimitedBy(decision.name);
      const retryAfter = Math.max(1, decision.resetSec);
      const res = await reject(c, retryAfter, `Too many requests: try again in ${retryAfter} s`);
      setHeaders(res.headers, decision);
      res.headers.set("retry-after", String(retryAfter));
      return res;
    }
    await next();
    if (decision) setHeaders(c.res.headers, decision);
  };
}

function setHeaders(headers: Headers, decision: RequestLimitDecision): void {
  headers.set("ratelimit-limit", String(decision.limit));
  headers.set("ratelimit-remaining", String(decision.remaining));
  headers.set("ratelimit-reset", String(decision.resetSec));
}
