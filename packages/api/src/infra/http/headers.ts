import type { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";

/**
 * The response headers every answer carries: the request id, the security headers and CORS. They
 * replace hono's `requestId`, `secureHeaders()` and `cors()` middleware with the same headers and
 * values (test/security/headers.test.ts compares them, request by request), at a fraction of the
 * cost (bench/RESULTS.md, "http"): those middleware touched `c.res` before the handler ran, which
 * made Hono rebuild every response around a ReadableStream, halving throughput. Here nothing is
 * computed per request but the origin check, and on @hono/node-server the headers go straight onto
 * Node's response (`setHeader`), where Node merges them with the handler's at `writeHead`.
 *
 * Precedence is kept: a header of ours that a handler also set is removed from the handler's
 * response, so ours wins, as with `secureHeaders({ overwrite: true })` and `cors()`.
 */

/**
 * hono/secure-headers' defaults (hono 4.13), which the app used: every header it sets, with the
 * same value. Cross-Origin-Embedder-Policy is off there and here; no Content-Security-Policy or
 * Permissions-Policy (the API serves JSON; the /api/v1/docs page loads its script from a CDN).
 */
export const SECURE_HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  ["cross-origin-resource-policy", "same-origin"],
  ["cross-origin-opener-policy", "same-origin"],
  ["origin-agent-cluster", "?1"],
  ["referrer-policy", "no-referrer"],
  ["strict-transport-security", "max-age=15552000; includeSubDomains"],
  ["x-content-type-options", "nosniff"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-frame-options", "SAMEORIGIN"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
];

/** hono/cors's default Access-Control-Allow-Methods. */
const ALLOW_METHODS = "GET,HEAD,PUT,POST,DELETE,PATCH,QUERY";

export interface ResponseHeaderOptions {
  /** Browser origins allowed to call with credentials (CORS_ORIGINS). */
  corsOrigins: readonly string[];
  /** Request headers a cross-origin caller may send (the preflight's Access-Control-Allow-Headers). */
  allowHeaders: readonly string[];
  /** Response headers a cross-origin caller may read. */
  exposeHeaders: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. */
  maxAge: number;
  /** The caller's request id when it is safe to log and echo; otherwise one is generated. */
  requestIdPattern: RegExp;
}

type Outgoing = Pick<ServerResponse, "setHeader" | "headersSent">;

/** The Node request/response under a Hono context, when it runs on @hono/node-server. */
const nodeOf = (c: Context<AppEnv>) => (c.env as AppEnv["Bindings"] | undefined)?.outgoing as Outgoing | undefined;

function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = (c.env as AppEnv["Bindings"] | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Request id (`c.get("requestId")`, echoed as X-Request-Id), security headers and CORS, in one
 * middleware. CORS (credentials: true) answers:
 *
 * - a preflight (any OPTIONS request) at once with 204 and hono/cors's headers: the origin when it
 *   is allowed, credentials, exposed headers, `Access-Control-Max-Age`, allowed methods and
 *   headers, `Vary: Origin, Access-Control-Request-Headers`;
 * - other requests with `Access-Control-Allow-Origin` for an allowed origin, and credentials and
 *   exposed headers whenever the request has an Origin (a browser's cross-origin request always
 *   does; without one they say nothing to anybody). `Vary: Origin` on every answer, appended to the
 *   handler's own Vary.
 */
export function responseHeaders(options: ResponseHeaderOptions): MiddlewareHandler<AppEnv> {
  const allowed = new Set(options.corsOrigins);
  const expose = options.exposeHeaders.length ? options.exposeHeaders.join(",") : null;
  const allowHeaders = options.allowHeaders.length ? options.allowHeaders.join(",") : null;
  const maxAge = String(options.maxAge);
  const pattern = options.requestIdPattern;
  // Ours: a handler's value for any of these is dropped so ours wins; X-Powered-By is removed, as
  // secureHeaders did.
  const owned = new Set([
    ...SECURE_HEADERS.map(([name]) => name),
    "x-request-id",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "x-powered-by",
  ]);

  /** Our headers onto `set` (Node's response, or a Headers object when not on Node). */
  const apply = (set: (name: string, value: string) => unknown, id: string, origin: string | undefined) => {
    set("x-request-id", id);
    for (const [name, value] of SECURE_HEADERS) set(name, value);
    if (origin) {
      if (allowed.has(origin)) set("access-control-allow-origin", origin);
      set("access-control-allow-credentials", "true");
      if (expose) set("access-control-expose-headers", expose);
    }
  };

  return async function responseHeaders(c, next) {
    const incomingId = requestHeader(c, "x-request-id");
    const id = incomingId && pattern.test(incomingId) ? incomingId : crypto.randomUUID();
    c.set("requestId", id);
    const origin = requestHeader(c, "origin");

    if (c.req.method === "OPTIONS") return preflight(c, id, origin);

    const out = nodeOf(c);
    if (out) apply((name, value) => out.setHeader(name, value), id, origin);
    await next();

    const headers = c.res.headers;
    let vary: string | null = null;
    let clashes: string[] | undefined;
    for (const [name, value] of headers) {
      if (name === "vary") vary = value;
      else if (owned.has(name)) (clashes ??= []).push(name);
    }
    if (clashes) for (const name of clashes) headers.delete(name);
    if (out && !out.headersSent) {
      // The handler's own Vary (tRPC's "trpc-accept, accept") would replace ours at writeHead: append.
      if (vary === null) out.setHeader("vary", "Origin");
      else headers.set("vary", `${vary}, Origin`);
    } else {
      apply((name, value) => headers.set(name, value), id, origin);
      headers.append("vary", "Origin");
    }
  };

  function preflight(c: Context<AppEnv>, id: string, origin: string | undefined): Response {
    const headers = new Headers();
    apply((name, value) => headers.set(name, value), id, origin ?? "");
    // As hono/cors: credentials and exposed headers on every preflight, the origin only when allowed.
    headers.set("access-control-allow-credentials", "true");
    if (expose) headers.set("access-control-expose-headers", expose);
    headers.set("vary", "Origin");
    headers.set("access-control-max-age", maxAge);
    headers.set("access-control-allow-methods", ALLOW_METHODS);
    if (allowHeaders) {
      headers.set("access-control-allow-headers", allowHeaders);
      headers.append("vary", "Access-Control-Request-Headers");
    } else {
      const requested = c.req.header("access-control-request-headers");
      if (requested) {
        headers.set(
          "access-control-allow-headers",
          requested
            .split(",")
            .map((h) => h.trim())
            .join(","),
        );
        headers.append("vary", "Access-Control-Request-Headers");
      }
    }
    return new Response(null, { status: 204, statusText: "No Content", headers });
  }
}
