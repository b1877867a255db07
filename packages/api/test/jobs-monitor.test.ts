/**
 * jobs.list / jobs.retry through @p2p/client: a platform moderator sees the queue's counts by state
 * and failed jobs with their error (never the job's data) and retries one; everyone else is refused.
 */
import {
  addMember,
  failure,
  makeModerator,
  signUpAdmin,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers";

let server: TestServer;
let moderator: TestUser;
let admin: TestUser;
let member: TestUser;

const SECRET = "s3cr3t-token-in-job-data";

/** A job no module handles: the worker fails it at once ('no handler for job …'). */
async function failingJob(name: string): Promise<string> {
  await server.deps.jobs.enqueue(name, { token: SECRET, email: "someone@example.com" }, { attempts: 1 });
  let id = "";
  await waitFor(async () => {
    const { items } = await moderator.client.jobs.list.query({ state: "failed", limit: 100 });
    id = items.find((j) => j.name === name)?.id ?? "";
    return id !== "";
  });
  return id;
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
  member = await addMember(server, admin);
  moderator = await addMember(server, admin);
  await makeModerator(server, moderator);
});
afterAll(async () => {
  await server?.close();
});

describe("job monitoring", () => {
  it("lists the queue's counts and failed jobs with their error, never their data", async () => {
    const id = await failingJob("test.alwaysFails");
    const list = await moderator.client.jobs.list.query({});
    expect(list.queues).toEqual([
      {
        name: "jobs",
        counts: expect.objectContaining({ failed: expect.any(Number), waiting: expect.any(Number) }),
      },
    ]);
    expect(list.queues[0]?.counts.failed).toBeGreaterThanOrEqual(1);
    const job = list.items.find((j) => j.id === id);
    expect(job).toMatchObject({
      queue: "jobs",
      name: "test.alwaysFails",
      state: "failed",
      attemptsMade: 1,
      maxAttempts: 1,
      error: 'no handler for job "test.alwaysFails"',
      createdAt: expect.any(Date),
      finishedAt: expect.any(Date),
    });
    expect(JSON.stringify(list)).not.toContain(SECRET);
    expect(JSON.stringify(list)).not.toContain("someone@example.com");
    // Other states, one queue by name.
    const completed = await moderator.client.jobs.list.query({ queue: "jobs", state: "completed" });
    expect(completed.items.every((j) => j.state === "completed" && j.error === null)).toBe(true);
  });

  it("retries a failed job through the real queue", async () => {
    const id = await failingJob("test.failsAgain");
    const failedAt = async () => {
      const { items } = await moderator.client.jobs.list.query({ state: "failed", limit: 100 });
      return items.find((j) => j.id === id);
    };
    const before = await failedAt();
    expect(await moderator.client.jobs.retry.mutate({ id })).toEqual({ ok: true });
    // The worker takes it again and it fails again (still no handler): a second failure, its attempts
    // counted from zero.
    const after = await waitFor(async () => {
      const job = await failedAt();
      return job && (job.finishedAt?.getTime() ?? 0) > (before?.finishedAt?.getTime() ?? 0) && job;
    });
    expect(after.attemptsMade).toBe(1);
    // A job that is not failed cannot be retried; an unknown one is not found.
    await server.deps.jobs.enqueue("test.later", {}, { jobId: "test-later-1", delayMs: 60_000 });
    expect(await failure(moderator.client.jobs.retry.mutate({ id: "test-later-1" }))).toMatchObject({
      appCode: "CONFLICT",
    });
    expect(await failure(moderator.client.jobs.retry.mutate({ id: "no-such-job" }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
  });

  it("pages with a cursor", async () => {
    await failingJob("test.pageA");
    await failingJob("test.pageB");
    const first = await moderator.client.jobs.list.query({ state: "failed", limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await moderator.client.jobs.list.query({ state: "failed", limit: 1, cursor: first.nextCursor });
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it("is refused to everyone but moderators", async () => {
    for (const user of [admin, member]) {
      expect(await failure(user.client.jobs.list.query({}))).toMatchObject({ appCode: "FORBIDDEN" });
      expect(await failure(user.client.jobs.retry.mutate({ id: "1" }))).toMatchObject({ appCode: "FORBIDDEN" });
    }
    expect(await failure(server.client().jobs.list.query({}))).toMatchObject({ appCode: "UNAUTHORIZED" });
    const key = await admin.client.apiKeys.create.mutate({ name: "ops", role: "admin" });
    expect(await failure(server.client({ token: key.key }).jobs.list.query({}))).toMatchObject({
      appCode: "FORBIDDEN",
    });
  });

  it("refuses bad input, naming the field", async () => {
    const cases = [
      [moderator.client.jobs.list.query({ state: "stuck" as never }), "state"],
      [moderator.client.jobs.list.query({ limit: 0 }), "limit"],
      [moderator.client.jobs.list.query({ cursor: "nope" }), "cursor"],
      [moderator.client.jobs.retry.mutate({ id: "" }), "id"],
      [moderator.client.jobs.retry.mutate({ id: "a b" }), "id"],
    ] as const;
    for (const [call, field] of cases) {
      const err = await failure(call);
      expect(err).toMatchObject({ appCode: "BAD_REQUEST" });
      expect(err.fields).toContain(field);
    }
    expect(await failure(moderator.client.jobs.list.query({ queue: "elsewhere" }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
  });

  it("over REST: GET /api/v1/jobs and POST /api/v1/jobs/{id}/retry", async () => {
    const id = await failingJob("test.rest");
    const headers = { authorization: `Bearer ${moderator.token}` };
    const res = await fetch(`${server.url}/api/v1/jobs?state=failed`, { headers });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: { id: string }[] }).items.map((j) => j.id)).toContain(id);
    const retry = await fetch(`${server.url}/api/v1/jobs/${encodeURIComponent(id)}/retry`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{}",
    });
    expect(retry.status).toBe(200);
    const refused = await fetch(`${server.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${member.token}` } });
    expect(refused.status).toBe(403);
  });
});
