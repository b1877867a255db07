import type { AppErrorCode, HttpErrorBody } from "@p2p/schemas";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { STORE_RETRY_AFTER_SECONDS } from "../../lib/errors";
import { recordOf } from "./env";

/** Plain-HTTP errors (outside tRPC) use the same codes and a JSON body, never an HTML page or a stack. */
export function httpError(
  c: Context,
  status: ContentfulStatusCode,
  code: AppErrorCode,
  message: string,
  details?: Record<string, unknown>,
) {
  const body: HttpErrorBody = {
    error: { code, message, ...(details ? { details } : {}), requestId: recordOf(c).requestId },
  };
  // 503 is an unreachable store: say when to try again.
  if (status === 503) c.header("retry-after", String(STORE_RETRY_AFTER_SECONDS));
  return c.json(body, status);
}

/**
 * Body size limit with a JSON 413; the unread rest of the body means the connection must close.
 * GET and HEAD skip it: @hono/node-server gives them no body at all, and asking for one
 * (`c.req.raw.body`) would build the full Fetch Request for nothing.
 */
export function limitBody(maxBytes: number, what: string): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header("connection", "close");
      return httpError(c, 413, "PAYLOAD_TOO_LARGE", `${what} exceeds ${maxBytes} bytes`);
    },
  });
  return (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limit(c, next));
}
