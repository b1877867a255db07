import { type OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";

/**
 * The response headers every answer carries: the request id, the security headers and CORS. They
 * replace hono's `requestId`, `secureHeaders()` and `cors()` middleware with the same headers and
 * values (test/security/headers.test.ts compares them, request by request), at a fraction of the
 * cost (bench/RESULTS.md, "http"): those middleware touched `c.res` before the handler ran, which
 * made Hono rebuild every response around a ReadableStream, halving throughput. Here nothing is
 * computed per request but the request id and the origin check. On @hono/node-server the headers
 * join the handler's in the one `writeHead` call that sends them (`writeHeadWithOurs`): no Fetch
 * `Headers` is built or read for them, which was most of what even a cheap version cost.
 *
 * Precedence is kept: a header of ours that a handler also set is dropped from the handler's
 * answer, so ours wins, as with `secureHeaders({ overwrite: true })` and `cors()`; `Vary: Origin` is
 * appended to the handler's own Vary.
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

/** Where a response keeps our headers until it sends its own (see `writeHeadWithOurs`). */
const OURS = Symbol("p2p.responseHeaders");
interface Ours {
  /** Undefined once sent. */
  headers: OutgoingHttpHeaders | undefined;
  owned: ReadonlySet<string>;
  /** The response's own writeHead (its class's: server.ts's answers close their connection when stopping). */
  writeHead: ServerResponse["writeHead"];
}
type NodeResponse = ServerResponse & { [OURS]?: Ours };

/** Node's response under a Hono context, when it runs on @hono/node-server. */
const nodeResponseOf = (c: Context<AppEnv>): NodeResponse | undefined => {
  const outgoing = (c.env as AppEnv["Bindings"] | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
};

function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = (c.env as AppEnv["Bindings"] | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * `writeHead` of a response that carries our headers (installed per response by the middleware;
 * one shared function, `this` is the response): the handler's headers are merged into ours, ours
 * winning, and Node sends them all in one go. Takes every form of Node's signature: an optional
 * status message, headers as an object or a flat [name, value, …] list.
 */
function writeHeadWithOurs(this: NodeResponse, statusCode: number, ...rest: unknown[]): ServerResponse {
  const ours = this[OURS] as Ours;
  const writeHead = ours.writeHead as (this: ServerResponse, statusCode: number, ...rest: unknown[]) => ServerResponse;
  if (!ours.headers) return writeHead.call(this, statusCode, ...rest);
  const message = typeof rest[0] === "string" ? rest[0] : undefined;
  const given = message === undefined ? rest[0] : rest[1];
  const headers = mergeInto(ours.headers, ours.owned, given);
  ours.headers = undefined;
  return message === undefined
    ? writeHead.call(this, statusCode, headers)
    : writeHead.call(this, statusCode, message, headers);
}

/** The handler's headers into ours: ours win, its Vary gets ", Origin" appended. */
function mergeInto(
  ours: OutgoingHttpHeaders,
  owned: ReadonlySet<string>,
  given: unknown,
): OutgoingHttpHeaders | (string | string[] | number)[] {
  if (given == null) return ours;
  if (Array.isArray(given)) {
    // [name, value, name, value, …]: kept as a list, so repeated names (Set-Cookie) stay repeated.
    const list: (string | string[] | number)[] = [];
    for (let i = 0; i + 1 < given.length; i += 2) {
      const name = String(given[i]);
      const lower = name.toLowerCase();
      if (owned.has(lower)) continue;
      if (lower === "vary") ours.vary = `${given[i + 1]}, ${ours.vary}`;
      else list.push(name, given[i + 1]);
    }
    for (const name of Object.keys(ours)) list.push(name, ours[name] as string);
    return list;
  }
  const record = given as OutgoingHttpHeaders;
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (owned.has(lower)) continue;
    if (lower === "vary") ours.vary = `${Array.isArray(value) ? value.join(", ") : value}, ${ours.vary}`;
    else ours[name] = value;
  }
  return ours;
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

  const secure: OutgoingHttpHeaders = Object.fromEntries(SECURE_HEADERS);
  /** Our headers for one answer, as a record (Node's writeHead takes it as it is). */
  const ours = (id: string, origin: string | undefined): OutgoingHttpHeaders => {
    const headers: OutgoingHttpHeaders = { "x-request-id": id, ...secure };
    if (origin) {
      if (allowed.has(origin)) headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-credentials"] = "true";
      if (expose) headers["access-control-expose-headers"] = expose;
    }
    return headers;
  };

  // Not async: on Node nothing is left to do once the handler answered, and an async level in
  // Hono's chain costs every request a promise more.
  return function responseHeaders(c, next) {
    const incomingId = requestHeader(c, "x-request-id");
    const id = incomingId && pattern.test(incomingId) ? incomingId : crypto.randomUUID();
    c.set("requestId", id);
    const origin = requestHeader(c, "origin");

    if (c.req.method === "OPTIONS") return Promise.resolve(preflight(c, id, origin));

    const node = nodeResponseOf(c);
    if (node) {
      // Sent with the handler's own headers, whatever answers (a handler, onError, Node's own 500).
      const headers = ours(id, origin);
      headers.vary = "Origin";
      node[OURS] = { headers, owned, writeHead: node.writeHead };
      node.writeHead = writeHeadWithOurs as ServerResponse["writeHead"];
      return next();
    }

    // Not on Node (app.request in tests, another runtime): onto the answer, ours winning.
    return next().then(() => {
      const headers = c.res.headers;
      for (const name of owned) headers.delete(name);
      const mine = ours(id, origin);
      for (const name of Object.keys(mine)) headers.set(name, mine[name] as string);
      headers.append("vary", "Origin");
    });
  };

  function preflight(c: Context<AppEnv>, id: string, origin: string | undefined): Response {
    const mine = ours(id, origin);
    const headers = new Headers();
    for (const name of Object.keys(mine)) headers.set(name, mine[name] as string);
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
