/**
 * Retried creates: tasks.create takes the client key messages use (`clientMessageId`, over REST the
 * Idempotency-Key header). A retry answers with the first task, also when retries race; the key
 * with another request is CONFLICT, writing nothing.
 */
import { randomUUID } from "node:crypto";
import type { RouterInputs } from "@p2p/client";
import { failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectKeyReused, restPost } from "../helpers";

let server: TestServer;
let me: TestUser;
let colleague: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [me, colleague] = await Promise.all([signUpAdmin(server), signUpAdmin(server)]);
});
afterAll(() => server?.close());

const due = new Date("2031-05-04T09:00:00Z");
const taskInput = (input: Partial<RouterInputs["tasks"]["create"]> = {}) => ({
  title: "Order spare bearings",
  description: "SKF 6205 for the extruder gearbox",
  dueAt: due,
  priority: "high" as const,
  tags: ["maintenance", "purchasing"],
  ...input,
});

/** Every task `user` has (one page is all of them here). */
const tasksOf = async (user: TestUser) => (await user.client.tasks.list.query({ limit: 100 })).items;

describe("tasks.create with a clientMessageId", () => {
  it("answers a retry with the first task, stored once", async () => {
    const clientMessageId = randomUUID();
    const first = await me.client.tasks.create.mutate(taskInput({ clientMessageId }));
    const before = await tasksOf(me);
    // Tags in another order, spaces the schema trims: the same request.
    const again = await me.client.tasks.create.mutate(
      taskInput({ clientMessageId, title: " Order spare bearings  ", tags: ["purchasing", "maintenance"] }),
    );
    expect(again).toEqual(first);
    expect(await tasksOf(me)).toEqual(before);
  });

  it("makes concurrent retries one task", async () => {
    const clientMessageId = randomUUID();
    const before = (await tasksOf(me)).length;
    const client = server.client({ token: me.token, maxBatchItems: 1 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => client.tasks.create.mutate(taskInput({ clientMessageId }))),
    );
    expect(new Set(answers.map((t) => t.id)).size).toBe(1);
    expect(await tasksOf(me)).toHaveLength(before + 1);
  });

  it("refuses the key with another request with CONFLICT, writing nothing", async () => {
    const clientMessageId = randomUUID();
    await me.client.tasks.create.mutate(taskInput({ clientMessageId }));
    const before = await tasksOf(me);
    for (const other of [
      taskInput({ clientMessageId, title: "Order spare seals" }),
      taskInput({ clientMessageId, description: null }),
      taskInput({ clientMessageId, dueAt: new Date("2031-05-05T09:00:00Z") }),
      taskInput({ clientMessageId, priority: "low" }),
      taskInput({ clientMessageId, tags: ["maintenance"] }),
      // No reminder differs from the default one.
      taskInput({ clientMessageId, remindAt: null }),
    ]) {
      expectKeyReused(await failure(me.client.tasks.create.mutate(other)), clientMessageId);
    }
    expect(await tasksOf(me)).toEqual(before);
    // Keys are per person: someone else's task with the same key is their own.
    const theirs = await colleague.client.tasks.create.mutate(taskInput({ clientMessageId }));
    expect((await tasksOf(colleague)).map((t) => t.id)).toContain(theirs.id);
  });

  it("over REST, takes the key from the Idempotency-Key header", async () => {
    const clientMessageId = randomUUID();
    const body = { ...taskInput(), dueAt: due.toISOString() };
    const first = await restPost(server, me.token, "/tasks", { body, key: clientMessageId });
    expect(first).toMatchObject({ status: 200, body: { title: "Order spare bearings" } });
    const before = await tasksOf(me);
    // The same due date written in another zone is the same instant, so the same request.
    const retry = await restPost(server, me.token, "/tasks", {
      body: { ...body, dueAt: "2031-05-04T12:00:00+03:00" },
      key: clientMessageId,
    });
    expect(retry).toMatchObject({ status: 200, body: { id: first.body.id } });
    const other = await restPost(server, me.token, "/tasks", {
      body: { ...body, title: "Something else" },
      key: clientMessageId,
    });
    expect(other).toMatchObject({
      status: 409,
      body: { appCode: "CONFLICT", details: { idempotencyKey: clientMessageId } },
    });
    expect(await tasksOf(me)).toEqual(before);
  });
});
