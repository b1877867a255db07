import { createLogger, Jobs } from "@p2p/api";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { Queue } from "bullmq";
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
    const prefix = `${server.deps.config.redis.prefix}retry:`;
    const jobs = new Jobs({
      redisUrl: server.deps.config.redis.url,
      prefix,
      logger: createLogger({ env: "test", logLevel: "silent" }),
      backoffMs: 50,
    });
    // The same queue, read as BullMQ stores it: which jobs exist and in what state.
    const queue = new Queue("jobs", { connection: { url: server.deps.config.redis.url }, prefix: `${prefix}bull` });
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
      // Once the job is completed, no further attempt can come.
      const job = await waitFor(async () => {
        const found = await queue.getJob("flaky-1");
        return (await found?.getState()) === "completed" ? found : undefined;
      }, 10_000);
      expect(job.attemptsStarted).toBe(2);
      expect(attempts).toHaveLength(2);
      expect((attempts[1] ?? 0) - (attempts[0] ?? 0)).toBeGreaterThanOrEqual(40);
      // The second enqueue with the same id added nothing.
      expect(await queue.getJobCounts()).toMatchObject({ completed: 1, waiting: 0, delayed: 0, active: 0, failed: 0 });
    } finally {
      await queue.close();
      await jobs.close();
    }
  });
});
