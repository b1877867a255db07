import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";

/**
 * The response headers every answer carries: the request id, the security headers and CORS. They
 * replace hono's `requestId`, `secureHeaders()` and `cors()` middleware with the same headers and
 * values (test/security/headers.test.ts compares them, request by request), at a fraction of the
 * cost (bench/RESULTS.md, "http"). infra/http/front.ts sends them from node:http, outside Hono's
 * middleware chain: they join the handler's own in the one `writeHead` call that sends them, and no
 * Fetch `Headers` is built or read for them. Nothing is computed per request but the request id and
 * the origin check.
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

/** A request header as one string (Node joined repeated ones already, or kept one that may not repeat). */
function header(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The request id, security headers and CORS of every answer. CORS (credentials: true) answers:
 *
 * - a preflight (any OPTIONS request) at once with 204 and hono/cors's headers: the origin when it
 *   is allowed, credentials, exposed headers, `Access-Control-Max-Age`, allowed methods and
 *   headers, `Vary: Origin, Access-Control-Request-Headers`;
 * - other requests with `Access-Control-Allow-Origin` for an allowed origin, and credentials and
 *   exposed headers whenever the request has an Origin (a browser's cross-origin request always
 *   does; without one they say nothing to anybody). `Vary: Origin` on every answer, appended to the
 *   handler's own Vary.
 */
export class ResponseHeaders {
  private readonly allowed: ReadonlySet<string>;
  private readonly expose: string | null;
  private readonly allowHeaders: string | null;
  private readonly maxAge: string;
  private readonly pattern: RegExp;
  private readonly secure: OutgoingHttpHeaders = Object.fromEntries(SECURE_HEADERS);
  /** Ours: a handler's value for any of these is dropped so ours wins; X-Powered-By is removed, as secureHeaders did. */
  private readonly owned: ReadonlySet<string> = new Set([
    ...SECURE_HEADERS.map(([name]) => name),
    "x-request-id",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "x-powered-by",
  ]);

  constructor(options: ResponseHeaderOptions) {
    this.allowed = new Set(options.corsOrigins);
    this.expose = options.exposeHeaders.length ? options.exposeHeaders.join(",") : null;
    this.allowHeaders = options.allowHeaders.length ? options.allowHeaders.join(",") : null;
    this.maxAge = String(options.maxAge);
    this.pattern = options.requestIdPattern;
  }

  /** The caller's request id when it is short and plain (safe to log and echo), else a new one. */
  requestId(incoming: IncomingMessage): string {
    const given = header(incoming, "x-request-id");
    // node:crypto's, not the global Web Crypto one: the same UUIDs without its wrapper's receiver check.
    return given && this.pattern.test(given) ? given : randomUUID();
  }

  /** Our headers for the answer to `incoming`, as a record (Node's writeHead takes it as it is). */
  of(incoming: IncomingMessage, id: string): OutgoingHttpHeaders {
    const origin = header(incoming, "origin");
    const headers: OutgoingHttpHeaders = { "x-request-id": id, ...this.secure };
    if (origin) {
      if (this.allowed.has(origin)) headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-credentials"] = "true";
      if (this.expose) headers["access-control-expose-headers"] = this.expose;
    }
    if (incoming.method !== "OPTIONS") {
      headers.vary = "Origin";
      return headers;
    }
    // A preflight, as hono/cors answers it: credentials and exposed headers every time, the origin only when allowed.
    headers["access-control-allow-credentials"] = "true";
    if (this.expose) headers["access-control-expose-headers"] = this.expose;
    headers["access-control-max-age"] = this.maxAge;
    headers["access-control-allow-methods"] = ALLOW_METHODS;
    const requested = header(incoming, "access-control-request-headers");
    const allow =
      this.allowHeaders ??
      requested
        ?.split(",")
        .map((h) => h.trim())
        .join(",");
    if (allow) headers["access-control-allow-headers"] = allow;
    headers.vary = allow ? "Origin, Access-Control-Request-Headers" : "Origin";
    return headers;
  }

  /**
   * The handler's headers (the `headers` argument of Node's writeHead, in either of its forms: a
   * record, or a flat [name, value, …] list) merged into ours: ours win, its Vary gets ", Origin"
   * appended, and `cookies` not set by the handler itself are added (a sign-out clearing the
   * session cookie keeps its own).
   */
  merge(
    ours: OutgoingHttpHeaders,
    given: unknown,
    cookies: readonly string[] | undefined,
  ): OutgoingHttpHeaders | (string | string[] | number)[] {
    const owned = this.owned;
    const set: string[] = [];
    if (Array.isArray(given)) {
      // Kept as a list, so repeated names (Set-Cookie) stay repeated.
      const list: (string | string[] | number)[] = [];
      for (let i = 0; i + 1 < given.length; i += 2) {
        const name = String(given[i]);
        const lower = name.toLowerCase();
        if (owned.has(lower)) continue;
        if (lower === "vary") ours.vary = `${given[i + 1]}, ${ours.vary}`;
        else list.push(name, given[i + 1]);
        if (lower === "set-cookie") set.push(...[given[i + 1]].flat().map(String));
      }
      for (const name of Object.keys(ours)) list.push(name, ours[name] as string);
      for (const cookie of missingCookies(cookies, set)) list.push("set-cookie", cookie);
      return list;
    }
    let cookieName = "set-cookie";
    if (given != null) {
      const record = given as OutgoingHttpHeaders;
      for (const name of Object.keys(record)) {
        const value = record[name];
        if (value === undefined) continue;
        const lower = name.toLowerCase();
        if (owned.has(lower)) continue;
        if (lower === "vary") ours.vary = `${Array.isArray(value) ? value.join(", ") : value}, ${ours.vary}`;
        else ours[name] = value;
        if (lower === "set-cookie") {
          cookieName = name;
          set.push(...[value].flat().map(String));
        }
      }
    }
    const missing = missingCookies(cookies, set);
    if (missing.length) ours[cookieName] = [...set, ...missing];
    return ours;
  }
}

const nameOf = (setCookie: string) => setCookie.slice(0, setCookie.indexOf("="));

/** The cookies of `cookies` whose name none of the answer's own Set-Cookie lines (`set`) has. */
function missingCookies(cookies: readonly string[] | undefined, set: readonly string[]): readonly string[] {
  if (!cookies?.length) return [];
  const names = new Set(set.map(nameOf));
  return cookies.filter((cookie) => !names.has(nameOf(cookie)));
}
