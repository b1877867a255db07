/** The Hono environment of every route: what the middleware records about a request for its log line. */
export type AppEnv = { Variables: { requestId: string; userId?: string; orgId?: string } };
