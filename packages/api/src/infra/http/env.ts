import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import type { Principal } from "../auth/authenticator";

/** A request's caller, authenticated once (infra/http/auth.ts) for every middleware and handler that asks. */
export type RequestAuth = Promise<{ principal: Principal | null; setCookies: string[] }>;

/**
 * What is known about one HTTP request on its way, for its answer's headers, metrics and log line
 * (infra/http/front.ts, which sends them from node:http, outside Hono's middleware chain).
 */
export interface RequestRecord {
  /** The caller's X-Request-Id when it is short and plain, else a new one; echoed and logged. */
  requestId: string;
  /** The pattern of the last route whose handler ran (Hono's `routePath`), for the metrics. */
  route?: string;
  userId?: string;
  orgId?: string;
  auth?: RequestAuth;
  /** The session cookie the authentication rotated, once it has: every answer carries it. */
  setCookies?: string[];
  /** Set when the tRPC handler took the request: it records each call's metrics itself. */
  trpc?: true;
}

/** The Hono environment of every route: Node's request, and its response, which keeps the record. */
export type AppEnv = {
  Bindings: { incoming: IncomingMessage; outgoing: ServerResponse & RequestRecord };
  Variables: {
    /** The record of a request not served by front.ts (app.request in tests). */
    record?: RequestRecord;
  };
};

/** The request's record: on Node's response when front.ts serves it, else the context's own. */
export function recordOf(c: Context): RequestRecord {
  const app = c as unknown as Context<AppEnv>;
  const outgoing = app.env?.outgoing;
  if (outgoing) return outgoing;
  const own = app.get("record") ?? { requestId: crypto.randomUUID() };
  app.set("record", own);
  return own;
}
