import type { AppDeps } from "../deps";
import type { Principal } from "../infra/auth/authenticator";
import type { Logger } from "../infra/logger";
import type { RequestMeta } from "../lib/request-meta";
import type { Connection } from "./connection";

/** A request's headers as calls read them: a Fetch `Headers` over HTTP, a view of the upgrade request's over WebSocket. */
export type RequestHeaders = Pick<Headers, "get">;

/** What the transport knows about a caller; HTTP and WebSocket both reduce to this. */
export interface ContextInput {
  deps: AppDeps;
  requestId: string;
  headers: RequestHeaders;
  ip: string | null;
  transport: "http" | "ws";
  /** WebSocket `connectionParams` (the token lives here for non-browser clients). */
  connectionParams?: Record<string, string | undefined> | null;
  /** Response headers (HTTP only): where procedures set cookies. */
  resHeaders?: Headers;
  /** The WebSocket connection's budget (WebSocket only). */
  connection?: Connection;
  /** The caller, when the HTTP request was authenticated already (infra/http/auth.ts). */
  authenticated?: Promise<{ principal: Principal | null; setCookies: string[] }>;
  /** Which face the call came through: tRPC (HTTP or WebSocket) or the REST face; "trpc" by default. */
  face?: "trpc" | "rest";
}

// A type alias (not an interface) so it satisfies the adapters' Record<string, unknown> bound.
export type Context = {
  deps: AppDeps;
  requestId: string;
  headers: RequestHeaders;
  ip: string | null;
  transport: "http" | "ws";
  face: "trpc" | "rest";
  resHeaders: Headers | null;
  /** A logger with this call's request id and user; made when asked for (most calls log nothing). */
  logger(): Logger;
  /** null for anonymous callers. */
  principal: Principal | null;
  /** The WebSocket connection's budget; null over HTTP. */
  connection: Connection | null;
  /**
   * The caller as they are now (from the cross-node-invalidated caches). A WebSocket connection is
   * authenticated once, so every call over it asks again; an HTTP query or mutation uses the caller
   * authenticated as it arrived, while a subscription over HTTP (server-sent events, as long as a
   * WebSocket one) asks whenever its caller may have changed, and ends when they did.
   */
  currentPrincipal(): Promise<Principal | null>;
};

export const requestMeta = (ctx: Context): RequestMeta => ({
  ip: ctx.ip,
  userAgent: ctx.headers.get("user-agent"),
  resHeaders: ctx.resHeaders,
});

/**
 * Shared by every context (a method, not a closure per request: creating a named closure costs a
 * property store under tsx's keepNames, on every request). Called as `ctx.logger()`.
 */
function callLogger(this: Context): Logger {
  return this.deps.logger.child({ requestId: this.requestId, userId: this.principal?.userId });
}

/** The context's caller as the caches know them now; an anonymous caller stays anonymous (shared, as `callLogger`). */
function currentPrincipal(this: Context): Promise<Principal | null> {
  return this.principal ? this.deps.authenticator.current(this.principal) : Promise.resolve(null);
}

/** One transport-neutral context factory, used by the HTTP handler and the WebSocket server. */
export async function createContext(input: ContextInput): Promise<Context> {
  // A rotated session cookie goes out with every HTTP answer (infra/http/auth.ts authenticateRequest).
  const { principal } = await (input.authenticated ??
    input.deps.authenticator.authenticate({
      headers: input.headers,
      connectionParams: input.connectionParams,
      transport: input.transport,
    }));
  return {
    deps: input.deps,
    requestId: input.requestId,
    headers: input.headers,
    ip: input.ip,
    transport: input.transport,
    face: input.face ?? "trpc",
    resHeaders: input.resHeaders ?? null,
    logger: callLogger,
    principal,
    connection: input.connection ?? null,
    currentPrincipal,
  };
}
