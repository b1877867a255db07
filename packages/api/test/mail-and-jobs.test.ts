import { createLogger, Jobs } from "@p2p/api";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("mail outbox", () => {
  it("stores every message and delivers it through the job queue", async () => {
    const id = await server.deps.mail.send({ to: "Ada@Example.com", subject: "Welcome", text: "Hello Ada" });
    const [entry] = await server.deps.mail.outbox("ada@example.com");
    expect(entry).toMatchObject({ id, to: "ada@example.com", subject: "Welcome", text: "Hello Ada" });
    const delivered = await waitFor(async () => (await server.deps.mail.outbox("ada@example.com"))[0]?.sentAt);
    expect(delivered).toBeInstanceOf(Date);
  });

  it("sends nothing when the surrounding transaction rolls back", async () => {
    await expect(
      server.deps.db.transaction().execute(async (trx) => {
        await server.deps.mail.send({ to: "rollback@example.com", subject: "No", text: "never" }, trx);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await server.deps.mail.outbox("rollback@example.com")).toEqual([]);
  });
});

describe("jobs", () => {
  it("retries a job that fails once, with backoff, until it succeeds", async () => {
    const jobs = new Jobs({
      redisUrl: server.deps.config.redis.url,
      prefix: `${server.deps.config.redis.prefix}retry:`,
      logger: createLogger({ env: "test", logLevel: "silent" }),
      backoffMs: 50,
    });
    const attempts: number[] = [];
    jobs.startWorker({
      flaky: async (data) => {
        attempts.push(Date.now());
        if (attempts.length === 1) throw new Error("temporary failure");
        expect(data).toEqual({ x: 1 });
      },
    });
    try {
      await jobs.enqueue("flaky", { x: 1 }, { jobId: "flaky-1" });
      await jobs.enqueue("flaky", { x: 1 }, { jobId: "flaky-1" }); // same id: no second job
      await waitFor(() => attempts.length >= 2, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(attempts).toHaveLength(2);
      expect((attempts[1] ?? 0) - (attempts[0] ?? 0)).toBeGreaterThanOrEqual(40);
    } finally {
      await jobs.close();
    }
  });
});
