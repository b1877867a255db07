import type { AppDeps } from "../deps";
import type { Logger } from "../infra/logger";

/** What the transport knows about a caller; HTTP and WebSocket both reduce to this. */
export interface ContextInput {
  deps: AppDeps;
  requestId: string;
  headers: Headers;
  ip: string | null;
  /** WebSocket `connectionParams` (the token lives here for non-browser clients). */
  connectionParams?: Record<string, string | undefined> | null;
  /** Response headers (HTTP only): where procedures set cookies. */
  resHeaders?: Headers;
}

// A type alias (not an interface) so it satisfies the adapters' Record<string, unknown> bound.
export type Context = {
  deps: AppDeps;
  requestId: string;
  headers: Headers;
  ip: string | null;
  resHeaders: Headers | null;
  logger: Logger;
};

/** One transport-neutral context factory, used by the HTTP handler and the WebSocket server. */
export async function createContext(input: ContextInput): Promise<Context> {
  return {
    deps: input.deps,
    requestId: input.requestId,
    headers: input.headers,
    ip: input.ip,
    resHeaders: input.resHeaders ?? null,
    logger: input.deps.logger.child({ requestId: input.requestId }),
  };
}
