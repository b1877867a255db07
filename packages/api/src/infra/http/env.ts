import type { HttpBindings } from "@hono/node-server";

/** The Hono environment of every route: what the middleware records about a request for its log line. */
export type AppEnv = {
  Bindings: HttpBindings;
  Variables: { requestId: string; userId?: string; orgId?: string };
};
