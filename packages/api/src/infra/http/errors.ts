import type { AppErrorCode, HttpErrorBody } from "@p2p/schemas";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Plain-HTTP errors (outside tRPC) use the same codes and a JSON body, never an HTML page or a stack. */
export function httpError(c: Context, status: ContentfulStatusCode, code: AppErrorCode, message: string) {
  const body: HttpErrorBody = { error: { code, message, requestId: c.get("requestId") } };
  return c.json(body, status);
}

/** Body size limit with a JSON 413; the unread rest of the body means the connection must close. */
export const limitBody = (maxBytes: number, what: string) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header("connection", "close");
      return httpError(c, 413, "PAYLOAD_TOO_LARGE", `${what} exceeds ${maxBytes} bytes`);
    },
  });
