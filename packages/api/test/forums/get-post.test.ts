import { failure, signUpCast, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
/** Acme: `admin` writes the topics, `member` replies, `colleague` only reads. */
let admin: TestUser;
let member: TestUser;
let colleague: TestUser;
/** The admin of another organization: sees platform topics only. */
let outsider: TestUser;
let categoryId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ admin, member, colleague, outsider } = await signUpCast(server));
  const [category] = await admin.client.forums.listCategories.query();
  categoryId = category?.id ?? "";
});
afterAll(() => server?.close());

/** A topic by the admin with a reply by the member and, under it, a reply to the reply. */
async function thread(visibility: "platform" | "organization") {
  const topic = await admin.client.forums.createTopic.mutate({
    title: "Which grease for the conveyor bearings?",
    categoryId,
    body: "<p>Lithium or calcium?</p>",
    visibility,
  });
  const reply = await member.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Lithium <b>EP2</b></p>" });
  const nested = await admin.client.forums.createPost.mutate({
    topicId: topic.id,
    parentId: reply.id,
    body: "<p>Thanks, which brand?</p>",
  });
  return { topic, reply, nested };
}

describe("forums.getPost", () => {
  it("answers one reply as listPosts shows it, with its topic, for a deep link", async () => {
    const { topic, reply, nested } = await thread("organization");
    await colleague.client.forums.likePost.mutate({ postId: nested.id });
    await admin.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: nested.id });

    const got = await colleague.client.forums.getPost.query({ postId: nested.id });
    expect(got).toMatchObject({
      id: nested.id,
      topicId: topic.id,
      parentId: reply.id,
      depth: 1,
      bodyHtml: "<p>Thanks, which brand?</p>",
      deleted: false,
      likeCount: 1,
      likedByMe: true,
      isBestAnswer: true,
      replies: [],
    });
    // The same fields listPosts gives for it (the like is the reader's own in both).
    const { items } = await colleague.client.forums.listPosts.query({ topicId: topic.id });
    const listed = items.find((p) => p.id === reply.id)?.replies[0];
    expect(got).toEqual(listed);
    // Another reader: the same post, without the colleague's like as theirs.
    expect(await member.client.forums.getPost.query({ postId: nested.id })).toMatchObject({
      likeCount: 1,
      likedByMe: false,
    });
  });

  it("reads a platform topic's post from another organization, and hides an organization topic's as NOT_FOUND", async () => {
    const open = await thread("platform");
    expect(await outsider.client.forums.getPost.query({ postId: open.reply.id })).toMatchObject({
      id: open.reply.id,
      topicId: open.topic.id,
    });
    const closed = await thread("organization");
    const hidden = await failure(outsider.client.forums.getPost.query({ postId: closed.reply.id }));
    expect(hidden.appCode).toBe("NOT_FOUND");
    // Exactly what an id that never existed answers: nothing to probe.
    const unknown = await failure(
      outsider.client.forums.getPost.query({ postId: "0b6f6f2e-3c1b-4b8e-9a57-5f7d1e2c9a10" }),
    );
    expect(unknown).toMatchObject({ appCode: "NOT_FOUND", message: hidden.message });
    expect(JSON.stringify(hidden)).not.toContain("Lithium");
  });

  it("answers NOT_FOUND for a deleted post and for a post of a deleted topic", async () => {
    const { topic, reply, nested } = await thread("platform");
    await member.client.forums.deletePost.mutate({ postId: reply.id });
    expect((await failure(colleague.client.forums.getPost.query({ postId: reply.id }))).appCode).toBe("NOT_FOUND");
    // Its reply is still there, under the tombstone.
    expect(await colleague.client.forums.getPost.query({ postId: nested.id })).toMatchObject({ parentId: reply.id });
    await admin.client.forums.deleteTopic.mutate({ id: topic.id });
    expect((await failure(colleague.client.forums.getPost.query({ postId: nested.id }))).appCode).toBe("NOT_FOUND");
  });

  it("refuses anonymous callers and a malformed id", async () => {
    const { reply } = await thread("platform");
    expect((await failure(server.client().forums.getPost.query({ postId: reply.id }))).appCode).toBe("UNAUTHORIZED");
    const bad = await failure(member.client.forums.getPost.query({ postId: "not-a-uuid" }));
    expect(bad).toMatchObject({ appCode: "BAD_REQUEST", fields: ["postId"] });
  });

  it("is served at GET /api/v1/forums/posts/{postId}", async () => {
    const { topic, reply } = await thread("organization");
    const get = (token: string) =>
      fetch(`${server.url}/api/v1/forums/posts/${reply.id}`, { headers: { authorization: `Bearer ${token}` } });
    const res = await get(colleague.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: reply.id, topicId: topic.id, bodyHtml: "<p>Lithium <b>EP2</b></p>" });
    const outside = await get(outsider.token);
    expect(outside.status).toBe(404);
  });
});
