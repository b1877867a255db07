// temporary: CPU per request of /health, piece by piece (node 24, @hono/node-server 2)
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { responseHeaders } from "./src/infra/http/headers";
import { createLogger } from "./src/infra/logger";
import { Metrics } from "./src/infra/metrics";

const variant = process.argv[2] ?? "bare";
const app = new Hono<any>();
const metrics = new Metrics();
const logger = createLogger({ env: "production", logLevel: "info" });
const headers = responseHeaders({
  corsOrigins: ["http://localhost:5173"],
  allowHeaders: ["content-type"],
  exposeHeaders: ["x-request-id"],
  maxAge: 600,
  requestIdPattern: /^[A-Za-z0-9._-]{1,64}$/,
});
if (variant.includes("metrics"))
  app.use(async (c, next) => {
    const s = performance.now();
    await next();
    metrics.http(c.req.method, c.req.routePath, "", c.res.status, (performance.now() - s) / 1000);
    if (c.req.path.startsWith("/health")) return;
    logger.info({ x: 1 }, "request");
  });
if (variant.includes("noop"))
  app.use(async (_c, next) => {
    await next();
  });

import { SECURE_HEADERS } from "./src/infra/http/headers";

if (variant.includes("headers")) app.use(headers);
if (variant.includes("setonly"))
  app.use(async (c, next) => {
    const out = c.env.outgoing;
    out.setHeader("x-request-id", crypto.randomUUID());
    for (const [k, v] of SECURE_HEADERS) out.setHeader(k, v);
    out.setHeader("vary", "Origin");
    await next();
  });
if (variant.includes("uuidonly"))
  app.use(async (c, next) => {
    c.set("requestId", crypto.randomUUID());
    await next();
  });
if (variant.includes("resheaders"))
  app.use(async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [k] of h) if (k === "zzz") h.delete(k);
  });
app.get("/health", (c) => {
  count++;
  return c.json({ status: "ok", version: "0.1.0" });
});
let count = 0;
let cpu = process.cpuUsage();
app.get("/health", () => new Response("unreachable"));
process.on("SIGUSR2", () => {
  count = 0;
  cpu = process.cpuUsage();
});
process.on("SIGTERM", () => {
  const d = process.cpuUsage(cpu);
  console.log(variant.padEnd(20), "µs cpu/req", ((d.user + d.system) / Math.max(1, count)).toFixed(1));
  process.exit(0);
});
serve({ fetch: app.fetch, port: 4190, hostname: "127.0.0.1" });
