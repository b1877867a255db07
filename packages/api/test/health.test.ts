import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { redisServerPath, startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, describe, expect, it } from "vitest";
import type { Readiness } from "../src/infra/health";
import { waitFor } from "./helpers";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let server: TestServer | undefined;
let redis: ChildProcess | undefined;
afterAll(async () => {
  redis?.kill("SIGKILL");
  await server?.close();
});

describe("health", () => {
  it("reports liveness, and readiness going from 200 to 503 when a store really goes down", async () => {
    // A Redis of this test's own, so it can be killed without touching the other test files: the
    // same redis-server the local scripts run, whether or not it is on PATH.
    const port = await freePort();
    redis = spawn(redisServerPath(), ["--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
      stdio: "ignore",
    });
    const redisUrl = `redis://127.0.0.1:${port}`;
    server = await startTestServer({ env: { REDIS_URL: redisUrl }, runWorker: false });

    const live = await fetch(`${server.url}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok", version: server.deps.config.version });

    const ready = await waitFor(async () => {
      const res = await fetch(`${server?.url}/health/ready`);
      return res.status === 200 ? res : undefined;
    });
    const body = (await (await ready).json()) as Readiness;
    expect(body.status).toBe("ok");
    expect(body.version).toBe(server.deps.config.version);
    for (const name of ["postgres", "mongo", "redis", "storage"] as const) {
      expect(body.components[name]).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    }

    redis.kill("SIGKILL");
    await new Promise((r) => redis?.once("exit", r));
    const down = await fetch(`${server.url}/health/ready`);
    expect(down.status).toBe(503);
    const downBody = (await down.json()) as Readiness;
    expect(downBody.status).toBe("unavailable");
    expect(downBody.components.redis.ok).toBe(false);
    expect(downBody.components.redis.error).toMatch(/^(timeout|unreachable)$/);
    expect(downBody.components.postgres.ok).toBe(true);
    expect(JSON.stringify(downBody)).not.toContain(String(port));
    // Liveness is about the process, not its dependencies.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
