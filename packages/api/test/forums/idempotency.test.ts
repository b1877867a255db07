/**
 * Retried creates: forums.createTopic and forums.createPost take the client key messages use
 * (`clientMessageId`, over REST the Idempotency-Key header). A retry answers with what the first
 * request made, also when retries race; the key with another request is CONFLICT, writing nothing.
 */
import { randomUUID } from "node:crypto";
import type { RouterInputs } from "@p2p/client";
import { countRows, failure, signUpCast, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectKeyReused, restPost } from "../helpers";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let colleague: TestUser;
let categoryId: string;
let otherCategoryId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ admin, member, colleague } = await signUpCast(server));
  const categories = await member.client.forums.listCategories.query();
  [categoryId, otherCategoryId] = categories.map((c) => c.id) as [string, string];
});
afterAll(() => server?.close());

const key = () => randomUUID();

const topicInput = (input: Partial<RouterInputs["forums"]["createTopic"]> = {}) => ({
  title: "Which grease for the kiln bearings?",
  categoryId,
  body: "<p>We see them run hot after 400 hours.</p>",
  visibility: "organization" as const,
  tags: ["bearings", "kiln"],
  ...input,
});

/** One HTTP request per call, as separate retries arrive (the default client batches calls together). */
const unbatched = (user: TestUser) => server.client({ token: user.token, maxBatchItems: 1 });

/** What the stores hold, to show that a refused call wrote nothing. */
async function stored() {
  return {
    topics: await countRows(server, "forumTopics"),
    search: await countRows(server, "forumSearch"),
    posts: await server.deps.mongo.db.collection("forum_posts").countDocuments(),
    notifications: await countRows(server, "notifications"),
  };
}

describe("forums.createTopic with a clientMessageId", () => {
  it("answers a retry with the first topic, stored once", async () => {
    const clientMessageId = key();
    const first = await member.client.forums.createTopic.mutate(topicInput({ clientMessageId }));
    const before = await stored();
    // Tags in another order and spaces the schema trims: the same request.
    const again = await member.client.forums.createTopic.mutate(
      topicInput({ clientMessageId, title: "  Which grease for the kiln bearings? ", tags: ["kiln", "bearings"] }),
    );
    expect(again).toMatchObject({
      id: first.id,
      title: first.title,
      posts: { items: [{ id: first.posts.items[0]?.id }] },
    });
    expect(await stored()).toEqual(before);
  });

  it("makes concurrent retries one topic", async () => {
    const clientMessageId = key();
    const before = await stored();
    const client = unbatched(member);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => client.forums.createTopic.mutate(topicInput({ clientMessageId }))),
    );
    expect(new Set(answers.map((t) => t.id)).size).toBe(1);
    // One topic, one first post: the losers' documents are gone too.
    expect(await stored()).toMatchObject({
      topics: before.topics + 1,
      search: before.search + 1,
      posts: before.posts + 1,
    });
  });

  it("refuses the key with another request with CONFLICT, writing nothing", async () => {
    const clientMessageId = key();
    await member.client.forums.createTopic.mutate(topicInput({ clientMessageId }));
    const before = await stored();
    for (const other of [
      topicInput({ clientMessageId, title: "Which grease for the dryer bearings?" }),
      topicInput({ clientMessageId, body: "<p>They run hot after 500 hours.</p>" }),
      topicInput({ clientMessageId, categoryId: otherCategoryId }),
      topicInput({ clientMessageId, visibility: "platform" }),
      topicInput({ clientMessageId, tags: ["bearings"] }),
    ]) {
      expectKeyReused(await failure(member.client.forums.createTopic.mutate(other)), clientMessageId);
    }
    expect(await stored()).toEqual(before);
    // Keys are per person: a colleague's topic with the same key is their own.
    const theirs = await colleague.client.forums.createTopic.mutate(topicInput({ clientMessageId }));
    expect(theirs.author.id).toBe(colleague.userId);
  });

  it("over REST, takes the key from the Idempotency-Key header", async () => {
    const clientMessageId = key();
    const first = await restPost(server, member.token, "/forums/topics", { body: topicInput(), key: clientMessageId });
    expect(first.status).toBe(200);
    const before = await stored();
    const retry = await restPost(server, member.token, "/forums/topics", { body: topicInput(), key: clientMessageId });
    expect(retry).toMatchObject({ status: 200, body: { id: first.body.id } });
    const other = await restPost(server, member.token, "/forums/topics", {
      body: topicInput({ title: "Another question entirely" }),
      key: clientMessageId,
    });
    expect(other).toMatchObject({
      status: 409,
      body: { appCode: "CONFLICT", details: { idempotencyKey: clientMessageId } },
    });
    expect(await stored()).toEqual(before);
  });
});

describe("forums.createPost with a clientMessageId", () => {
  let topic: { id: string };
  beforeAll(async () => {
    topic = await member.client.forums.createTopic.mutate(topicInput());
  });
  const reply = (input: Partial<RouterInputs["forums"]["createPost"]> = {}) => ({
    topicId: topic.id,
    body: "<p>Switch to a high-temperature grease.</p>",
    ...input,
  });

  it("answers a retry with the first post, stored once, also when the topic was locked since", async () => {
    const clientMessageId = key();
    const first = await colleague.client.forums.createPost.mutate(reply({ clientMessageId }));
    const before = await stored();
    expect(await colleague.client.forums.createPost.mutate(reply({ clientMessageId }))).toMatchObject({
      id: first.id,
      bodyHtml: first.bodyHtml,
    });
    expect(await stored()).toEqual(before);
    const listed = await member.client.forums.listPosts.query({ topicId: topic.id });
    expect(listed.items.filter((p) => p.id === first.id)).toHaveLength(1);

    // A retry that arrives after the topic was locked still gets the post its first attempt wrote.
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true });
    expect((await colleague.client.forums.createPost.mutate(reply({ clientMessageId }))).id).toBe(first.id);
    expect(await failure(colleague.client.forums.createPost.mutate(reply({ clientMessageId: key() })))).toMatchObject({
      appCode: "FORBIDDEN",
    });
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: false });
  });

  it("makes concurrent retries one post and one notification", async () => {
    const clientMessageId = key();
    const before = await stored();
    const client = unbatched(colleague);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => client.forums.createPost.mutate(reply({ clientMessageId }))),
    );
    expect(new Set(answers.map((p) => p.id)).size).toBe(1);
    expect(await stored()).toEqual({
      ...before,
      search: before.search + 1,
      posts: before.posts + 1,
      // The topic's author hears of the reply once.
      notifications: before.notifications + 1,
    });
  });

  it("refuses the key with another request with CONFLICT, writing nothing", async () => {
    const clientMessageId = key();
    const first = await colleague.client.forums.createPost.mutate(reply({ clientMessageId }));
    const otherTopic = await member.client.forums.createTopic.mutate(topicInput({ title: "Another topic, same key" }));
    const before = await stored();
    for (const other of [
      reply({ clientMessageId, body: "<p>Switch to a synthetic grease.</p>" }),
      reply({ clientMessageId, parentId: first.id }),
      reply({ clientMessageId, topicId: otherTopic.id }),
    ]) {
      expectKeyReused(await failure(colleague.client.forums.createPost.mutate(other)), clientMessageId);
    }
    expect(await stored()).toEqual(before);
  });

  it("over REST, takes the key from the Idempotency-Key header", async () => {
    const clientMessageId = key();
    const path = `/forums/topics/${topic.id}/posts`;
    const first = await restPost(server, colleague.token, path, { body: reply(), key: clientMessageId });
    expect(first.status).toBe(200);
    const before = await stored();
    expect(await restPost(server, colleague.token, path, { body: reply(), key: clientMessageId })).toMatchObject({
      status: 200,
      body: { id: first.body.id },
    });
    const other = await restPost(server, colleague.token, path, {
      body: reply({ body: "<p>Something else</p>" }),
      key: clientMessageId,
    });
    expect(other).toMatchObject({ status: 409, body: { appCode: "CONFLICT" } });
    expect(await stored()).toEqual(before);
  });
});
