/**
 * The bare node:http handler of bench/ceilings/bare-http.ts and bench/ceilings/in-server-floor.ts:
 * a small JSON body and nothing else; on `/headers` the same body with the response headers the API
 * sends on every answer (a request id, the security headers, `Vary: Origin`): what Node itself
 * costs to write them, the floor under the API's `GET /health` (bench/RESULTS.md).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SECURE_HEADERS } from "../../packages/api/src/infra/http/headers";

const body = JSON.stringify({ status: "ok", version: "0.1.0" });
const length = String(Buffer.byteLength(body));
const secure = Object.fromEntries(SECURE_HEADERS);

export function answerBare(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === "/headers") {
    res.writeHead(200, {
      "x-request-id": randomUUID(),
      ...secure,
      vary: "Origin",
      "content-type": "application/json",
      "content-length": length,
    });
  } else {
    res.writeHead(200, { "content-type": "application/json", "content-length": length });
  }
  res.end(body);
}
