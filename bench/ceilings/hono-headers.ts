/**
 * The floor under the API's `GET /health` for bench/http.ts: a bare Hono JSON route on
 * @hono/node-server that sends the response headers the API sends on every answer (a request id,
 * the security headers, `Vary: Origin`), joined to Hono's in the one `writeHead` call that sends
 * them (the cheapest way found; the API's infra/http/front.ts does the same). What the
 * dependencies alone cost to answer with those headers; nothing of the API's own. PORT from the
 * environment.
 */
import { randomUUID } from "node:crypto";
import { createServer, type OutgoingHttpHeaders, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { SECURE_HEADERS } from "../../packages/api/src/infra/http/headers";

const secure = Object.fromEntries(SECURE_HEADERS);

/** Node's response, sending the API's headers with Hono's (which calls writeHead(status, record)). */
class WithHeaders extends ServerResponse {
  override writeHead(statusCode: number, ...rest: unknown[]): this {
    const headers = rest.at(-1) as OutgoingHttpHeaders | undefined;
    return super.writeHead(statusCode, { "x-request-id": randomUUID(), ...secure, vary: "Origin", ...headers });
  }
}

const app = new Hono();
app.get("/", (c) => c.json({ status: "ok", version: "0.1.0" }));

createServer({ ServerResponse: WithHeaders as typeof ServerResponse }, getRequestListener(app.fetch)).listen(
  Number(process.env.PORT ?? 4105),
  "127.0.0.1",
  () => console.log("hono-headers listening"),
);
