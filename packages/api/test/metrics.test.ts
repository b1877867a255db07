import { signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, loadConfig } from "../src";
import { waitFor } from "./helpers";
import { probeChannel, probeRouter } from "./probe-router";

const TOKEN = "metrics-test-token-0123456789";

let server: TestServer;
/** A second node on the same stores: its own registry. */
let other: TestServer;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer({ router: probeRouter, env: { METRICS_TOKEN: TOKEN } });
  other = await startTestServer({ router: probeRouter, stores: server.stores, env: { METRICS_TOKEN: TOKEN } });
  admin = await signUpAdmin(server);
});
afterAll(async () => {
  await other?.close();
  await server?.close();
});

const scrape = async (s: TestServer = server) => {
  const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
};

/** The value of one series (labels in the order prom-client writes them), or undefined. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const trpcCalls = (procedure: string, status: number, method = "GET") =>
  `p2p_http_requests_total{method="${method}",route="/trpc",procedure="${procedure}",status="${status}"}`;

describe("GET /metrics", () => {
  it("needs the bearer token: 401 without it or with a wrong one, 200 in Prometheus text with it", async () => {
    const none = await fetch(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);

    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // Process metrics (collectDefaultMetrics) in the node's own registry.
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("is not served without METRICS_TOKEN (404), and production wants a long token", async () => {
    const config = { ...server.deps.config, metrics: {} };
    const app = createApp({ ...server.deps, config });
    const res = await app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);

    const production = {
      ...server.stores.env,
      NODE_ENV: "production",
      DEV_OUTBOX: "false",
      TOTP_ENCRYPTION_KEY: `${"A".repeat(43)}=`,
    };
    expect(() => loadConfig({ ...production, METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ ...production, METRICS_TOKEN: TOKEN }).metrics.token).toBe(TOKEN);
  });

  it("counts and times tRPC calls per procedure and status, each call of a batch on its own", async () => {
    const before = await scrape();
    await admin.client.auth.me.query();
    // A plain (not streamed) GET batch: two procedures and one that does not exist.
    const input = encodeURIComponent(JSON.stringify({}));
    const batch = await fetch(
      `${server.url}/trpc/auth.me,system.info,no.such.procedure${Math.random()}?batch=1&input=${input}`,
      { headers: { authorization: `Bearer ${admin.token}` } },
    );
    expect(batch.status).toBe(207);
    const anonymous = await fetch(`${server.url}/trpc/auth.me`);
    expect(anonymous.status).toBe(401);

    const after = await scrape();
    expect(
      (seriesValue(after, trpcCalls("auth.me", 200)) ?? 0) - (seriesValue(before, trpcCalls("auth.me", 200)) ?? 0),
    ).toBe(2);
    expect(seriesValue(after, trpcCalls("system.info", 200))).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after, trpcCalls("auth.me", 401))).toBeGreaterThanOrEqual(1);
    // An unknown procedure is one label, never the path that was asked for.
    expect(seriesValue(after, trpcCalls("(unknown)", 404))).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain("no.such.procedure");
    // Latency histogram per procedure and status.
    expect(
      seriesValue(
        after,
        `p2p_http_request_duration_seconds_count{method="GET",route="/trpc",procedure="auth.me",status="200"}`,
      ),
    ).toBeGreaterThanOrEqual(2);
    expect(after).toMatch(
      /p2p_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/trpc",procedure="auth\.me",status="200"\}/,
    );
  });

  it("counts plain routes by their pattern, never the raw path", async () => {
    await fetch(`${server.url}/health`);
    const file = await fetch(`${server.url}/files/0190aaaa-0000-7000-8000-000000000000`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(file.status).toBe(404);
    await fetch(`${server.url}/nothing/here/${Math.random()}`);
    const text = await scrape();
    expect(seriesValue(text, `p2p_http_requests_total{method="GET",route="/health",procedure="",status="200"}`)).toBe(
      1,
    );
    expect(
      seriesValue(text, `p2p_http_requests_total{method="GET",route="/files/:id",procedure="",status="404"}`),
    ).toBeGreaterThanOrEqual(1);
    expect(
      seriesValue(text, `p2p_http_requests_total{method="GET",route="(unmatched)",procedure="",status="404"}`),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/0190aaaa|nothing\/here/);
  });

  it("gauges WebSocket connections and subscriptions, and counts calls over WebSocket", async () => {
    const wsClient = server.client({ token: admin.token, allCallsOverWebSocket: true });
    let unsubscribe = () => {};
    await new Promise<void>((resolve) => {
      const sub = wsClient.auth.onSessionEnded.subscribe(undefined, { onStarted: () => resolve() });
      unsubscribe = () => sub.unsubscribe();
    });
    await wsClient.auth.me.query();
    const open = await scrape();
    expect(seriesValue(open, "p2p_ws_connections")).toBe(1);
    expect(seriesValue(open, "p2p_ws_subscriptions")).toBe(1);
    expect(seriesValue(open, `p2p_ws_calls_total{procedure="auth.me",status="200"}`)).toBeGreaterThanOrEqual(1);
    expect(seriesValue(open, `p2p_ws_calls_total{procedure="auth.onSessionEnded",status="200"}`)).toBe(1);

    unsubscribe();
    await waitFor(async () => seriesValue(await scrape(), "p2p_ws_subscriptions") === 0);
    wsClient.close();
    await waitFor(async () => seriesValue(await scrape(), "p2p_ws_connections") === 0);
  });

  it("counts bus publishes per channel and times the delivery of another node's events", async () => {
    const received: number[] = [];
    const sub = other.deps.events.subscribe(probeChannel, "lag", (event) => received.push(event.data.n));
    await other.deps.events.whenSubscribed(probeChannel, "lag");
    for (let n = 1; n <= 3; n++) await server.deps.events.publish(probeChannel, "lag", { n });
    await waitFor(() => received.length === 3);
    sub();

    expect(seriesValue(await scrape(), `p2p_events_published_total{channel="probe",kind="publish"}`)).toBe(3);
    const otherText = await scrape(other);
    // Each node has its own registry: the publishes are the first node's, the deliveries the other's.
    expect(seriesValue(otherText, `p2p_events_published_total{channel="probe",kind="publish"}`)).toBeUndefined();
    expect(seriesValue(otherText, "p2p_event_delivery_lag_seconds_count")).toBe(3);
    expect(seriesValue(otherText, `p2p_event_delivery_lag_seconds_bucket{le="+Inf"}`)).toBe(3);
  });

  it("reports the job queue (read on scrape), failed jobs, pools and Redis connections", async () => {
    await server.deps.jobs.enqueue("metrics.noSuchJob", {}, { attempts: 1 });
    // Both nodes run a worker on the shared queue: the failure is counted by whichever took the job.
    const failures = `p2p_job_failures_total{job="metrics.noSuchJob",final="true"}`;
    await waitFor(
      async () =>
        (seriesValue(await scrape(), failures) ?? 0) + (seriesValue(await scrape(other), failures) ?? 0) === 1,
    );
    const text = await scrape();
    for (const state of ["waiting", "active", "delayed", "failed"]) {
      expect(seriesValue(text, `p2p_job_queue_jobs{state="${state}"}`)).toBeGreaterThanOrEqual(0);
    }
    expect(seriesValue(text, `p2p_job_queue_jobs{state="failed"}`)).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, `p2p_db_pool_connections{store="postgres",state="open"}`)).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, `p2p_db_pool_connections{store="postgres",state="waiting"}`)).toBe(0);
    expect(seriesValue(text, `p2p_db_pool_max_connections{store="postgres"}`)).toBe(5);
    expect(seriesValue(text, `p2p_db_pool_connections{store="mongo",state="open"}`)).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, `p2p_db_pool_connections{store="mongo",state="in_use"}`)).toBe(0);
    expect(seriesValue(text, `p2p_redis_connected{connection="command"}`)).toBe(1);
    expect(seriesValue(text, `p2p_redis_connected{connection="subscriber"}`)).toBe(1);
    expect(seriesValue(text, `p2p_redis_connected{connection="jobs"}`)).toBe(1);
    expect(seriesValue(text, "p2p_events_deferred")).toBe(0);
  });
});
