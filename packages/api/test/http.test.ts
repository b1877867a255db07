import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { signUpAdmin, startTestServer, type TestServer } from "@p2p/testkit";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { probeClient } from "./helpers";
import { probeRouter } from "./probe-router";

let server: TestServer;
let probe: ReturnType<typeof probeClient>;

beforeAll(async () => {
  server = await startTestServer({ router: probeRouter });
  probe = probeClient(server.url);
});
afterAll(async () => {
  probe.wsClient.close();
  await server?.close();
});

async function errorOf(p: Promise<unknown>): Promise<TRPCClientError<typeof probeRouter>> {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  if (!(err instanceof TRPCClientError)) throw new Error(`expected a TRPCClientError, got ${err}`);
  return err;
}

describe("HTTP surface", () => {
  it("serves typed procedures through @p2p/client", async () => {
    const info = await server.client().system.info.query();
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.time).toBeInstanceOf(Date); // superjson both ways
  });

  it("rejects bad input with BAD_REQUEST, the field issues, and writes nothing", async () => {
    const err = await errorOf(probe.client.probe.send.mutate({ to: "not-an-email", subject: "x".repeat(21) }));
    expect(err.data?.code).toBe("BAD_REQUEST");
    expect(err.data?.appCode).toBe("BAD_REQUEST");
    expect(err.data?.issues?.map((i) => i.path).sort()).toEqual(["subject", "to"]);
    expect(err.message).toMatch(/^Invalid input: /);
    expect(await server.deps.mail.outbox("not-an-email")).toHaveLength(0);
    const rows = await server.deps.db.selectFrom("mailOutbox").select("id").execute();
    expect(rows).toHaveLength(0);
  });

  it("hides internal errors: no stack, no detail, a request id to quote", async () => {
    const err = await errorOf(probe.client.probe.boom.query());
    expect(err.data?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(err.message).toBe("Internal server error");
    expect(JSON.stringify(err.shape)).not.toMatch(/hunter2|stack|db\.internal/);
    expect(err.data?.requestId).toMatch(/\S+/);
  });

  it("answers an oversized body with 413 and a JSON error", async () => {
    const res = await fetch(`${server.url}/trpc/probe.send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { to: "a@b.co", subject: "x".repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
  });

  it("refuses a batch larger than MAX_BATCH_SIZE", async () => {
    const paths = Array.from({ length: 21 }, () => "system.info").join(",");
    const res = await fetch(`${server.url}/trpc/${paths}?batch=1&input={}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("Batch call exceeds maximum size");
    const ok = await fetch(`${server.url}/trpc/${paths.split(",").slice(0, 20).join(",")}?batch=1&input={}`);
    expect(ok.status).toBe(200);
  });

  it("answers queries whose inputs together would not fit in one URL, through @p2p/client", async () => {
    const user = await signUpAdmin(server);
    // Each call within its limit (100 ids); four batched together are over 16 KiB of URL.
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const answers = await Promise.all([1, 2, 3, 4].map(() => user.client.presence.get.query({ userIds: ids })));
    expect(answers.map((a) => a.length)).toEqual([100, 100, 100, 100]);
    // A query's input too large for any URL may come as a POST body.
    const res = await fetch(`${server.url}/trpc/system.info`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(200);
  });

  it("carries the request id in and out", async () => {
    const res = await fetch(`${server.url}/health`, { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    const generated = await fetch(`${server.url}/health`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sets security headers and answers CORS only for allowed origins", async () => {
    const allowed = await fetch(`${server.url}/trpc/system.info`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const denied = await fetch(`${server.url}/trpc/system.info`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    const res = await fetch(`${server.url}/health`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("logs a request whose client left before the answer as 499, not as answered", async () => {
    const logged = vi.spyOn(server.deps.logger, "info");
    const path = "/trpc/probe.slow";
    const input = encodeURIComponent(JSON.stringify({ json: { ms: 300 } }));
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write(`GET ${path}?input=${input} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      setTimeout(() => socket.destroy(), 50);
    });
    // A request that stays for its answer is logged with its status.
    expect((await fetch(`${server.url}${path}?input=${input}`)).status).toBe(200);
    const lines = () => logged.mock.calls.map(([fields]) => fields as { path?: string; status?: number });
    await expect
      .poll(() =>
        lines()
          .filter((l) => l.path === path)
          .map((l) => l.status),
      )
      .toHaveLength(2);
    expect(
      lines()
        .filter((l) => l.path === path)
        .map((l) => l.status)
        .sort(),
    ).toEqual([200, 499]);
    logged.mockRestore();
  });
});
