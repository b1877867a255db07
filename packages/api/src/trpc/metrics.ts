import { performance } from "node:perf_hooks";
import { type AnyRouter, getTRPCErrorShape, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { Context as HonoContext } from "hono";
import { type AppEnv, recordOf } from "../infra/http/env";
import type { Metrics } from "../infra/metrics";
import { appError } from "../lib/errors";
import type { Context } from "./context";
import { toTRPCError, trpcCodeFor } from "./errors";

/** Label of a call to a path that names no procedure (never the path itself: unbounded). */
export const UNKNOWN_PROCEDURE = "(unknown)";

/** Errors whose call the procedure middleware counted already, so onError does not count them again. */
const counted = new WeakSet<TRPCError>();

const statusCache = new Map<TRPC_ERROR_CODE_KEY, number>();
/** The HTTP status of a failed call (also over WebSocket), as the error formatter reports it. */
export function statusOf(error: TRPCError): number {
  const code = trpcCodeFor(error);
  let status = statusCache.get(code);
  if (status === undefined) {
    status = getHTTPStatusCodeFromError({ code } as TRPCError);
    statusCache.set(code, status);
  }
  return status;
}

const methodOf = (type: string) => (type === "mutation" ? "POST" : "GET");

/**
 * Records one call that ran (the procedure middleware in init.ts, around everything else): over
 * HTTP under route "/trpc", over WebSocket in the ws series. REST-face calls are counted by their
 * route pattern in app.ts instead.
 */
export function recordCall(
  ctx: Context,
  path: string,
  type: string,
  result: { ok: true } | { ok: false; error: TRPCError },
  startedMs: number,
): void {
  if (ctx.face === "rest") return;
  const seconds = (performance.now() - startedMs) / 1000;
  let status = 200;
  if (!result.ok) {
    status = statusOf(result.error);
    counted.add(result.error);
  }
  if (ctx.transport === "ws") ctx.deps.metrics.ws(path, status, seconds);
  else ctx.deps.metrics.http(methodOf(type), "/trpc", path, status, seconds);
}

/**
 * Records a call that failed before it ran, from the handler's onError: an unknown procedure, a
 * wrong method, a caller that could not be authenticated (a store down). Errors of calls that ran
 * were counted already; so were subscriptions whose stream failed later.
 */
export function recordFailedCall(
  metrics: Metrics,
  router: AnyRouter,
  transport: "http" | "ws",
  opts: { error: TRPCError; path: string | undefined; type: string; ctx: unknown },
): void {
  const { error, path, type } = opts;
  if (counted.has(error) || (type === "subscription" && opts.ctx)) return;
  const procedure = path !== undefined && Object.hasOwn(router._def.procedures, path) ? path : UNKNOWN_PROCEDURE;
  const status = statusOf(error);
  if (transport === "ws") metrics.ws(procedure, status, null);
  else metrics.http(methodOf(type), "/trpc", procedure, status, null);
}

/** The paths of the calls in a /trpc request path (`/trpc/a.b,c.d`), at most `max`. */
const callPaths = (requestPath: string, max: number) =>
  requestPath.slice(requestPath.indexOf("/trpc/") + 6).split(",", max);

/** The procedure label of each call of a /trpc request path, at most `max`. */
export function proceduresOf(router: AnyRouter, requestPath: string, max: number): string[] {
  return callPaths(requestPath, max).map((name) =>
    Object.hasOwn(router._def.procedures, name) ? name : UNKNOWN_PROCEDURE,
  );
}

/** Calls in a /trpc request path (commas + 1), without splitting it. */
export function callCount(requestPath: string): number {
  let n = 1;
  for (let i = requestPath.indexOf("/trpc/") + 6; i < requestPath.length; i++)
    if (requestPath.charCodeAt(i) === 44) n++;
  return n;
}

/**
 * A refusal outside any procedure (the general rate limit) in the wire format the tRPC client
 * reads, through the router's error formatter: `{ error }` for one call and for the streaming
 * link (it reads a non-2xx answer as one error for the whole batch), an array of them for a
 * plain batch.
 */
export function trpcRateLimited(router: AnyRouter, maxBatchSize: number) {
  const config = router._def._config;
  return (c: HonoContext<AppEnv>, retryAfter: number, message: string): Response => {
    const error = toTRPCError(appError("RATE_LIMITED", message, { retryAfter }));
    // The formatter reads only the request id from the context.
    const ctx = { requestId: recordOf(c).requestId } as Context;
    const errorOf = (path: string | undefined) => ({
      error: config.transformer.output.serialize(
        getTRPCErrorShape({ config, error, type: "unknown", path, input: undefined, ctx }),
      ),
    });
    const paths = callPaths(c.req.path, maxBatchSize);
    const batch = c.req.query("batch") === "1" && c.req.header("trpc-accept") !== "application/jsonl";
    return c.json(batch ? paths.map(errorOf) : errorOf(paths[0]), 429);
  };
}

/** The same refusal as the REST face's error body (`RestErrorBody`). */
export function restRateLimited(router: AnyRouter) {
  const config = router._def._config;
  return (c: HonoContext<AppEnv>, retryAfter: number, message: string): Response => {
    const error = toTRPCError(appError("RATE_LIMITED", message, { retryAfter }));
    const shape = getTRPCErrorShape({
      config,
      error,
      type: "unknown",
      path: undefined,
      input: undefined,
      ctx: { requestId: recordOf(c).requestId } as Context,
    }) as { message: string; data: { code: string; appCode: string; details?: Record<string, unknown> } };
    return c.json(
      {
        message: shape.message,
        code: shape.data.code,
        appCode: shape.data.appCode,
        details: shape.data.details,
        requestId: recordOf(c).requestId,
      },
      429,
    );
  };
}
