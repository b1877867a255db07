import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFront } from "../../src/infra/http/front";
import { SECURE_HEADERS } from "../../src/infra/http/headers";

/**
 * infra/http/headers.ts replaced hono's requestId, secureHeaders() and cors() middleware for speed.
 * These tests serve the same handlers behind both (ours sent from node:http by infra/http/front.ts,
 * hono's in the app on @hono/node-server) and compare every response header.
 */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const ALLOWED = "http://localhost:5173";
const cfg = {
  corsOrigins: [ALLOWED, "https://app.example"],
  allowHeaders: ["content-type", "authorization", "x-request-id", "x-csrf-token", "trpc-accept"],
  exposeHeaders: ["x-request-id", "retry-after", "ratelimit-limit"],
  maxAge: 600,
};

/** What app.ts had before: hono's own middleware, with the same options. */
const honoOriginal: MiddlewareHandler[] = [
  requestId({
    generator: (c) => {
      const incoming = c.req.header("x-request-id");
      return incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    },
  }),
  secureHeaders(),
  cors({
    origin: (origin) => (cfg.corsOrigins.includes(origin) ? origin : null),
    credentials: true,
    allowHeaders: cfg.allowHeaders,
    exposeHeaders: cfg.exposeHeaders,
    maxAge: cfg.maxAge,
  }),
];
function appWith(middleware: MiddlewareHandler[]) {
  // biome-ignore lint/suspicious/noExplicitAny: the test app's env is Node's bindings or none
  const app = new Hono<any>();
  for (const m of middleware) app.use(m);
  app.get("/json", (c) => c.json({ ok: true }));
  // Behind ours, the front answers it (LIVENESS) before the app.
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/text", (c) => c.text("plain"));
  // Like tRPC's fetch adapter: its own Response with a Vary of its own.
  app.get("/vary", () =>
    Response.json({ ok: true }, { headers: { vary: "trpc-accept, accept", "cache-control": "no-store" } }),
  );
  // A handler setting headers that are ours: ours win, X-Powered-By goes.
  app.get("/clash", (c) =>
    c.json({ ok: true }, 200, { "x-frame-options": "DENY", "x-powered-by": "PHP", "referrer-policy": "unsafe-url" }),
  );
  app.get("/cookie", (c) => {
    c.header("set-cookie", "a=1; Path=/", { append: true });
    c.header("set-cookie", "b=2; Path=/", { append: true });
    return c.json({ ok: true }, 201);
  });
  app.get("/stream", (c) =>
    c.body(new Blob(["streamed"]).stream(), 200, { "content-type": "application/octet-stream" }),
  );
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.notFound((c) => c.json({ error: "not found" }, 404));
  app.onError((_err, c) => c.json({ error: "internal" }, 500));
  return app;
}

const servers: { close(): void }[] = [];
async function listen(app: Hono): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    servers.push(server);
  });
}

/** A GET of `target` as it is written on the request line (e.g. absolute-form), which fetch cannot send. */
function getTarget(base: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path: target }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

const LIVENESS = { path: "/health", body: JSON.stringify({ status: "ok" }) };

/** The app without middleware, behind ours as the API serves it. */
async function listenOurs(
  app: Hono,
  fetchApp: Parameters<typeof createFront>[0]["fetch"] = app.fetch,
): Promise<string> {
  const { server } = createFront({
    fetch: fetchApp,
    hostname: "127.0.0.1",
    headers: { ...cfg, requestIdPattern: REQUEST_ID },
    liveness: LIVENESS,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(() => {
  for (const s of servers) s.close();
});

/**
 * Every header but the ones that differ per response (date, connection, a generated request id)
 * and the framing: a streamed body was sent chunked by ours, measured into a Content-Length by
 * hono's (its middleware made Hono re-read every body; the bytes are compared separately).
 */
const IGNORED = new Set(["date", "keep-alive", "connection", "content-length", "transfer-encoding"]);
function comparable(res: Response, generatedId: boolean) {
  const out: Record<string, string> = {};
  for (const [name, value] of res.headers) {
    if (IGNORED.has(name)) continue;
    if (name === "x-request-id" && generatedId) out[name] = "(generated)";
    // c.text() without headers set before it is a plain Response: "text/plain;charset=UTF-8", no space.
    else if (name === "content-type") out[name] = value.replace(/;\s*/g, "; ");
    else out[name] = value;
  }
  // Set-Cookie lines one by one (Headers joins them otherwise).
  const cookies = res.headers.getSetCookie();
  if (cookies.length) out["set-cookie"] = cookies.join(" | ");
  return { status: res.status, headers: out };
}

/**
 * hono/cors also sent credentials and exposed headers on answers to requests without an Origin;
 * ours only when there is one (a browser's cross-origin request always has one): expected gap.
 */
function withoutOriginGap(h: { status: number; headers: Record<string, string> }) {
  const { "access-control-allow-credentials": _c, "access-control-expose-headers": _e, ...rest } = h.headers;
  return { status: h.status, headers: rest };
}

const cases: { name: string; path: string; init?: RequestInit }[] = [
  { name: "a JSON answer", path: "/json" },
  { name: "a text answer", path: "/text" },
  { name: "a handler's own Response with its own Vary", path: "/vary" },
  { name: "a handler setting our headers", path: "/clash" },
  { name: "cookies", path: "/cookie" },
  { name: "a streamed body", path: "/stream" },
  { name: "an error", path: "/boom" },
  { name: "not found", path: "/nowhere" },
  { name: "a HEAD request", path: "/json", init: { method: "HEAD" } },
  { name: "a POST", path: "/json", init: { method: "POST", body: "{}" } },
  { name: "the liveness probe", path: "/health" },
  { name: "the liveness probe with a query", path: "/health?probe=1" },
  { name: "the liveness probe by HEAD", path: "/health", init: { method: "HEAD" } },
];
const origins: { name: string; headers: Record<string, string> }[] = [
  { name: "an allowed origin", headers: { origin: ALLOWED } },
  { name: "another allowed origin", headers: { origin: "https://app.example" } },
  { name: "a foreign origin", headers: { origin: "https://evil.example" } },
  { name: "a null origin", headers: { origin: "null" } },
  { name: "no origin", headers: {} },
];

let originalUrl: string;
let oursUrl: string;
beforeAll(async () => {
  originalUrl = await listen(appWith(honoOriginal));
  oursUrl = await listenOurs(appWith([]));
});
describe("response headers: the same as hono's requestId + secureHeaders + cors", () => {
  it("sets exactly hono/secure-headers' default headers", async () => {
    const res = await fetch(`${originalUrl}/json`);
    const fromHono = [...res.headers].filter(
      ([name]) =>
        SECURE_HEADERS.some(([n]) => n === name) || /^(cross-origin|origin-agent|referrer|strict|x-)/.test(name),
    );
    const expected = [...SECURE_HEADERS, ["x-request-id", res.headers.get("x-request-id") as string]].sort();
    expect(fromHono.sort()).toEqual(expected);
  });

  for (const { name, path, init } of cases) {
    for (const origin of origins) {
      it(`${name}, ${origin.name}`, async () => {
        const request = (base: string) =>
          fetch(`${base}${path}`, { ...init, headers: { ...origin.headers, ...(init?.headers ?? {}) } });
        const [a, b] = await Promise.all([request(originalUrl), request(oursUrl)]);
        const original = comparable(a, true);
        const ourAnswer = comparable(b, true);
        expect(await b.text()).toBe(await a.text());
        if (origin.headers.origin) expect(ourAnswer).toEqual(original);
        else expect(ourAnswer).toEqual(withoutOriginGap(original));
      });
    }
  }

  for (const origin of origins) {
    it(`answers a preflight the same, ${origin.name}`, async () => {
      const request = (base: string) =>
        fetch(`${base}/json`, {
          method: "OPTIONS",
          headers: {
            ...origin.headers,
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-csrf-token",
          },
        });
      const [a, b] = await Promise.all([request(originalUrl), request(oursUrl)]);
      expect(b.status).toBe(204);
      expect(comparable(b, true)).toEqual(comparable(a, true));
    });
  }

  it("answers the liveness probe itself, and nothing else", async () => {
    const reached: string[] = [];
    const app = appWith([]);
    const url = await listenOurs(app, (request, env) => {
      reached.push(`${request.method} ${new URL(request.url).pathname}`);
      return app.fetch(request, env);
    });
    const live = await fetch(`${url}/health`, { headers: { "x-request-id": "probe-1" } });
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    expect(live.headers.get("content-type")).toBe("application/json");
    expect(live.headers.get("x-request-id")).toBe("probe-1");
    expect(live.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await fetch(`${url}/health?probe=1`)).status).toBe(200);
    // Absolute-form, as a client sends it through a proxy.
    expect(await getTarget(url, `${url}/health?probe=1`)).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(reached).toEqual([]);
    // Other methods and longer paths are the app's.
    expect((await fetch(`${url}/health`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(404);
    expect((await fetch(`${url}/health/ready`)).status).toBe(404);
    expect((await getTarget(url, `${url}/healthz`)).status).toBe(404);
    expect(reached).toEqual(["POST /health", "GET /healthz", "GET /health/ready", "GET /healthz"]);
  });

  it("merges into Node's writeHead in each of its forms, ours winning", async () => {
    // A handler writing on Node's response itself (status message, a flat header list, repeated names).
    // biome-ignore lint/suspicious/noExplicitAny: the test app's env is Node's bindings
    const app = new Hono<any>();
    app.get("/list", (c) => {
      c.env.outgoing.writeHead(202, "Fine", [
        "Vary",
        "Accept",
        "X-Frame-Options",
        "DENY",
        "Set-Cookie",
        "a=1",
        "Set-Cookie",
        "b=2",
        "Content-Type",
        "text/plain",
      ]);
      c.env.outgoing.end("listed");
      return RESPONSE_ALREADY_SENT;
    });
    app.get("/record", (c) => {
      c.env.outgoing.writeHead(200, { vary: ["Accept", "Cookie"], "X-Powered-By": "PHP", "x-custom": "1" });
      c.env.outgoing.end("recorded");
      return RESPONSE_ALREADY_SENT;
    });
    app.get("/implicit", (c) => {
      c.env.outgoing.statusCode = 203;
      c.env.outgoing.end("implicit");
      return RESPONSE_ALREADY_SENT;
    });
    const url = await listenOurs(app);
    const list = await fetch(`${url}/list`, { headers: { origin: ALLOWED } });
    expect([list.status, list.statusText, await list.text()]).toEqual([202, "Fine", "listed"]);
    expect(list.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(list.headers.get("vary")).toBe("Accept, Origin");
    expect(list.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(list.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const record = await fetch(`${url}/record`);
    expect(record.headers.get("vary")).toBe("Accept, Cookie, Origin");
    expect(record.headers.get("x-powered-by")).toBeNull();
    expect(record.headers.get("x-custom")).toBe("1");
    const implicit = await fetch(`${url}/implicit`);
    expect(implicit.status).toBe(203);
    for (const res of [list, record, implicit]) {
      for (const [name, value] of SECURE_HEADERS) expect(res.headers.get(name), name).toBe(value);
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("keeps a caller's plain request id and replaces an odd one", async () => {
    for (const [sent, kept] of [
      ["abc-123", true],
      ["a.b_c-1", true],
      ["bad id with spaces", false],
      ["x".repeat(65), false],
    ] as const) {
      const res = await fetch(`${oursUrl}/json`, { headers: { "x-request-id": sent } });
      if (kept) expect(res.headers.get("x-request-id")).toBe(sent);
      else expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const original = await fetch(`${originalUrl}/json`, { headers: { "x-request-id": sent } });
      if (kept) expect(original.headers.get("x-request-id")).toBe(sent);
    }
  });
});
