// temporary experiment: cost of ways to add static headers on @hono/node-server
import { serve } from "@hono/node-server";
import autocannon from "autocannon";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";

const STATIC: [string, string][] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
  ["Access-Control-Allow-Credentials", "true"],
  ["Access-Control-Expose-Headers", "x-request-id,retry-after"],
  ["Vary", "Origin"],
];
const variants: Record<string, (app: Hono<any>) => void> = {
  none: () => {},
  honoOriginal: (app) => {
    app.use(requestId());
    app.use(secureHeaders());
    app.use(
      cors({ origin: (o) => (o === "x" ? o : null), credentials: true, exposeHeaders: ["x-request-id"], maxAge: 600 }),
    );
  },
  afterNextHeadersSet: (app) => {
    app.use(async (c, next) => {
      const id = c.req.header("x-request-id") ?? crypto.randomUUID();
      await next();
      const h = c.res.headers;
      h.set("x-request-id", id);
      for (const [k, v] of STATIC) h.set(k, v);
    });
  },
  outgoingSetHeader: (app) => {
    app.use(async (c, next) => {
      const out = c.env.outgoing;
      const id = c.env.incoming.headers["x-request-id"] ?? crypto.randomUUID();
      out.setHeader("x-request-id", id);
      for (const [k, v] of STATIC) out.setHeader(k, v);
      await next();
    });
  },
  outgoingChecked: (app) => {
    const names = STATIC.map(([k]) => k.toLowerCase());
    app.use(async (c, next) => {
      const out = c.env.outgoing;
      const id = c.env.incoming.headers["x-request-id"] ?? crypto.randomUUID();
      out.setHeader("x-request-id", id);
      for (const [k, v] of STATIC) out.setHeader(k, v);
      await next();
      const h = c.res.headers;
      for (const n of names) if (h.has(n)) h.delete(n);
    });
  },
  outgoingIter: (app) => {
    const names = new Set(STATIC.map(([k]) => k.toLowerCase()));
    app.use(async (c, next) => {
      const out = c.env.outgoing;
      const id = c.env.incoming.headers["x-request-id"] ?? crypto.randomUUID();
      out.setHeader("x-request-id", id);
      for (const [k, v] of STATIC) out.setHeader(k, v);
      await next();
      const h = c.res.headers;
      let clash: string[] | undefined;
      for (const [k] of h) if (names.has(k)) (clash ??= []).push(k);
      if (clash) for (const k of clash) h.delete(k);
    });
  },
};
const name = process.argv[2] as string;
const app = new Hono<any>();
variants[name]?.(app);
let count = 0;
let cpu = process.cpuUsage();
app.get("/health", (c) => {
  count++;
  return c.json({ status: "ok", version: "0.1.0" });
});
process.on("SIGUSR2", () => {
  count = 0;
  cpu = process.cpuUsage();
});
process.on("SIGTERM", () => {
  const d = process.cpuUsage(cpu);
  console.log(name, "µs cpu/req", ((d.user + d.system) / count).toFixed(1), "n", count);
  process.exit(0);
});
serve({ fetch: app.fetch, port: 4190, hostname: "127.0.0.1" }, async () => {
  if (process.env.SERVE_ONLY) return;
  await autocannon({ url: "http://127.0.0.1:4190/health", connections: 50, duration: 2 });
  const r = await autocannon({ url: "http://127.0.0.1:4190/health", connections: 50, duration: 4 });
  console.log(name, Math.round(r.requests.average));
  process.exit(0);
});
