import type { AppErrorCode, HttpErrorBody } from "@p2p/schemas";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Plain-HTTP errors (outside tRPC) use the same codes and a JSON body, never an HTML page or a stack. */
export function httpError(c: Context, status: ContentfulStatusCode, code: AppErrorCode, message: string) {
  const body: HttpErrorBody = { error: { code, message, requestId: c.get("requestId") } };
  return c.json(body, status);
}
