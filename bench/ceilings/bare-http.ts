/**
 * Ceiling 1 for bench/http.ts: node:http answering a small JSON body, nothing else. No framework,
 * no middleware: the most a Node process on this machine can answer. PORT from the environment.
 *
 * `/headers` answers the same body with the response headers the API sends on every answer (a
 * request id, the security headers, `Vary: Origin`): what Node itself costs to write them, the
 * floor under the API's `GET /health` (bench/RESULTS.md).
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { SECURE_HEADERS } from "../../packages/api/src/infra/http/headers";

const body = JSON.stringify({ status: "ok", version: "0.1.0" });
const length = String(Buffer.byteLength(body));
const secure = Object.fromEntries(SECURE_HEADERS);

createServer((req, res) => {
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
}).listen(Number(process.env.PORT ?? 4101), "127.0.0.1", () => console.log("bare-http listening"));
