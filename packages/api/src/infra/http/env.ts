import type { HttpBindings } from "@hono/node-server";
import type { Principal } from "../auth/authenticator";

/** A request's caller, authenticated once (infra/http/auth.ts) for every middleware and handler that asks. */
export type RequestAuth = Promise<{ principal: Principal | null; setCookies: string[] }>;

/** The Hono environment of every route: what the middleware records about a request for its log line. */
export type AppEnv = {
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    userId?: string;
    orgId?: string;
    auth?: RequestAuth;
    /** Set when the tRPC handler took the request: it records each call's metrics itself. */
    trpc?: true;
  };
};
