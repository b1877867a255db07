import { signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../src";
import { createLogger } from "../src/infra/logger";
import { RequestLimiter } from "../src/infra/ratelimit";
import { createRedis } from "../src/infra/redis/redis";

/**
 * Two nodes on the same stores. Per user: 5 points a minute (no burst limit), so a test's calls
 * stay in one window. Per IP: off here (every call comes from 127.0.0.1); the IP limit has its own
 * server below, where X-Forwarded-For (TRUST_PROXY=loopback) gives each test an address of its own.
 */
const PER_USER = 5;
const env = {
  RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: String(PER_USER),
  RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "0",
  RATE_LIMIT_PER_IP_PER_SECOND: "0",
  RATE_LIMIT_PER_IP_PER_MINUTE: "0",
};

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startTestServer({ env });
  b = await startTestServer({ env, stores: a.stores, runWorker: false });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const me = (server: TestServer, user: TestUser, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${user.token}`, ...headers } });

const limitHeaders = (res: Response) => ({
  limit: res.headers.get("ratelimit-limit"),
  remaining: res.headers.get("ratelimit-remaining"),
  reset: Number(res.headers.get("ratelimit-reset")),
});

describe("the general request limit, per user", () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([signUpAdmin(a), signUpAdmin(a)]);
  });

  it("answers the (N+1)th call 429 TOO_MANY_REQUESTS / RATE_LIMITED with the headers; another user is not affected", async () => {
    for (let i = 1; i <= PER_USER; i++) {
      const res = await me(a, alice);
      expect(res.status).toBe(200);
      expect(limitHeaders(res)).toMatchObject({ limit: String(PER_USER), remaining: String(PER_USER - i) });
      expect(limitHeaders(res).reset).toBeGreaterThan(0);
      expect(limitHeaders(res).reset).toBeLessThanOrEqual(60);
    }
    const refused = await me(a, alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(limitHeaders(refused)).toMatchObject({ limit: String(PER_USER), remaining: "0" });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("cache-control")).toBe("no-store");
    const body = (await refused.json()) as { error: { json: Record<string, unknown> } };
    expect(body.error.json).toMatchObject({
      message: expect.stringMatching(/Too many requests/),
      data: {
        code: "TOO_MANY_REQUESTS",
        httpStatus: 429,
        appCode: "RATE_LIMITED",
        path: "auth.me",
        details: { retryAfter },
        requestId: expect.any(String),
      },
    });

    // Bob, same IP, has his own budget.
    const other = await me(a, bob);
    expect(other.status).toBe(200);
    expect(limitHeaders(other).remaining).toBe(String(PER_USER - 1));
  });

  it("reaches @p2p/client (streaming batch) as TRPCClientError with the code, app code and retryAfter", async () => {
    const err = await alice.client.auth.me.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const { data } = err as TRPCClientError<never> & { data: Record<string, unknown> };
    expect(data).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      appCode: "RATE_LIMITED",
      details: { retryAfter: expect.any(Number) },
    });
    // Every call of the refused batch gets it.
    const both = await Promise.allSettled([alice.client.auth.me.query(), alice.client.system.info.query()]);
    expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("is shared by the nodes: calls on either count against one budget", async () => {
    const carol = await signUpAdmin(a);
    const statuses: number[] = [];
    for (const server of [a, b, a, b, b, a, b]) statuses.push((await me(server, carol)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it("counts each call of a batch", async () => {
    const dave = await signUpAdmin(a);
    const input = encodeURIComponent(JSON.stringify({}));
    const batch = await fetch(`${a.url}/trpc/auth.me,system.info,auth.me?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${dave.token}` },
    });
    expect(batch.status).toBe(200);
    expect(limitHeaders(batch).remaining).toBe(String(PER_USER - 3));
    // Refused as a whole: one error per call, in the plain batch format.
    const big = await fetch(`${a.url}/trpc/auth.me,system.info,auth.me?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${dave.token}` },
    });
    expect(big.status).toBe(429);
    const errors = (await big.json()) as { error: { json: { data: { appCode: string; path: string } } } }[];
    expect(errors.map((e) => [e.error.json.data.appCode, e.error.json.data.path])).toEqual([
      ["RATE_LIMITED", "auth.me"],
      ["RATE_LIMITED", "system.info"],
      ["RATE_LIMITED", "auth.me"],
    ]);
  });

  it("covers the REST face and /files, each in its own error format", async () => {
    const erin = await signUpAdmin(a);
    const auth = { authorization: `Bearer ${erin.token}` };
    for (let i = 0; i < PER_USER; i++)
      expect((await fetch(`${a.url}/api/v1/auth/session`, { headers: auth })).status).toBe(200);
    const rest = await fetch(`${a.url}/api/v1/auth/session`, { headers: auth });
    expect(rest.status).toBe(429);
    expect(rest.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limitHeaders(rest).remaining).toBe("0");
    expect(await rest.json()).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      appCode: "RATE_LIMITED",
      details: { retryAfter: expect.any(Number) },
      requestId: expect.any(String),
    });

    const file = await fetch(`${a.url}/files/0190aaaa-0000-7000-8000-000000000000`, { headers: auth });
    expect(file.status).toBe(429);
    expect(file.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await file.json()).toMatchObject({
      error: { code: "RATE_LIMITED", details: { retryAfter: expect.any(Number) }, requestId: expect.any(String) },
    });
  });
});

describe("the general request limit, per IP (burst and sustained)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      stores: a.stores,
      runWorker: false,
      env: {
        TRUST_PROXY: "loopback",
        RATE_LIMIT_PER_IP_PER_SECOND: "3",
        RATE_LIMIT_PER_IP_PER_MINUTE: "8",
        RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "0",
        RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: "0",
        METRICS_TOKEN: "ip-limit-metrics-token",
      },
    });
  });
  afterAll(() => server?.close());

  const info = (ip: string) => fetch(`${server.url}/trpc/system.info`, { headers: { "x-forwarded-for": ip } });

  it("limits a burst per second, then a sustained rate per minute; another IP is not affected", async () => {
    // A burst of 10 at once: at most 3 per one-second window pass.
    const burst = await Promise.all(Array.from({ length: 10 }, () => info("198.51.100.1")));
    const passed = burst.filter((r) => r.status === 200).length;
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(6); // two windows at most, if the burst straddled a second
    const refused = burst.find((r) => r.status === 429) as Response;
    expect(refused.headers.get("ratelimit-limit")).toMatch(/^(3|8)$/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    // Paced under the burst limit, the minute's 8 still run out.
    const paced: number[] = [];
    for (let i = 0; i < 8; i++) {
      paced.push((await info("198.51.100.2")).status);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(paced).toEqual(Array.from({ length: 8 }, () => 200));
    const overMinute = await info("198.51.100.2");
    expect(overMinute.status).toBe(429);
    expect(overMinute.headers.get("ratelimit-limit")).toBe("8");
    expect(Number(overMinute.headers.get("retry-after"))).toBeGreaterThan(1);

    expect((await info("198.51.100.3")).status).toBe(200);

    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer ip-limit-metrics-token" } })
    ).text();
    expect(metrics).toMatch(/p2p_rate_limited_total\{limit="ip-second"\} [1-9]/);
    expect(metrics).toMatch(/p2p_rate_limited_total\{limit="ip-minute"\} [1-9]/);
    expect(metrics).toMatch(
      /p2p_http_requests_total\{method="GET",route="\/trpc",procedure="system.info",status="429"\} [1-9]/,
    );
  });
});

describe("when Redis fails", () => {
  it("lets requests through (fail open), without limit headers", async () => {
    const logger = createLogger(a.deps.config);
    const deadRedis = createRedis({ url: "redis://127.0.0.1:1", prefix: "dead:" }, logger);
    const limiter = new RequestLimiter(
      deadRedis,
      { perIp: { perSecond: 1, perMinute: 1 }, perPrincipal: { perSecond: 1, perMinute: 1 } },
      logger,
    );
    try {
      expect(await limiter.take("192.0.2.1", "user", 1)).toBeNull();
      const running = await startServer({ ...a.deps, requestLimiter: limiter }, { port: 0, host: "127.0.0.1" });
      try {
        const statuses = await Promise.all(
          Array.from({ length: 5 }, () =>
            fetch(`${running.url}/trpc/system.info`).then((r) => [r.status, r.headers.get("ratelimit-limit")]),
          ),
        );
        expect(statuses).toEqual(Array.from({ length: 5 }, () => [200, null]));
      } finally {
        await running.close(500);
      }
    } finally {
      deadRedis.command.disconnect();
      deadRedis.subscriber.disconnect();
    }
  });
});
