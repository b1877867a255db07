import { createLogger, Jobs } from "@p2p/api";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { Queue } from "bullmq";
import { v7 as uuidv7 } from "uuid";
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

  const sentAt = async (to: string) => (await server.deps.mail.outbox(to))[0]?.sentAt;

  it("delivers mail written in a transaction that commits after the worker took the job", async () => {
    await server.deps.db.transaction().execute(async (trx) => {
      await server.deps.mail.send({ to: "slow-commit@example.com", subject: "Later", text: "after commit" }, trx);
      // The delivery job is queued now; the worker takes it within milliseconds, long before this commit.
      await new Promise((r) => setTimeout(r, 1_000));
    });
    expect(await waitFor(() => sentAt("slow-commit@example.com"), 10_000)).toBeInstanceOf(Date);
  });

  /** A row as a crash between commit and enqueue leaves it: unsent, `ageMs` old, no job. */
  async function orphan(to: string, ageMs: number, id = uuidv7()) {
    await server.deps.db
      .insertInto("mailOutbox")
      .values({ id, to, subject: "Orphan", text: "x", createdAt: new Date(Date.now() - ageMs) })
      .execute();
    return id;
  }
  const sweep = () => server.deps.jobs.enqueue("mail.sweep", {});

  it("sweeps unsent mail older than a minute that has no job, and sends it; younger mail waits", async () => {
    await orphan("lost@example.com", 2 * 60_000);
    await orphan("young@example.com", 5_000);
    await sweep();
    await sweep(); // idempotent: one delivery job per row
    expect(await waitFor(() => sentAt("lost@example.com"), 10_000)).toBeInstanceOf(Date);
    expect(await sentAt("young@example.com")).toBeNull();
  });

  it("sweeps mail whose delivery job already ran before the row existed", async () => {
    const prefix = server.deps.config.redis.prefix;
    const queue = new Queue("jobs", { connection: { url: server.deps.config.redis.url }, prefix: `${prefix}bull` });
    try {
      const id = uuidv7();
      // The job ran first (found no row) and completed; BullMQ keeps its id.
      await server.deps.jobs.enqueue("mail.deliver", { id }, { jobId: `mail-${id}` });
      await waitFor(async () => (await (await queue.getJob(`mail-${id}`))?.getState()) === "completed");
      await orphan("late-row@example.com", 2 * 60_000, id);
      await sweep();
      expect(await waitFor(() => sentAt("late-row@example.com"), 10_000)).toBeInstanceOf(Date);
    } finally {
      await queue.close();
    }
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
