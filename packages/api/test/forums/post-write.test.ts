import { signUpCast, startTestServer, type TestServer, type TestUser, uploadFile } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillPostFacts } from "../../src/modules/forums/post-write";

/**
 * The two-phase post write (Mongo pending → PostgreSQL commit → release) and its repair job: a
 * crash between the phases leaves a pending post, which the scheduled job releases when the
 * PostgreSQL half committed and removes when it did not. Readers never see a pending post.
 */
let server: TestServer;
let member: TestUser;
let categoryId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ member } = await signUpCast(server));
  categoryId = (await member.client.forums.listCategories.query())[0]?.id ?? "";
});
afterAll(() => server?.close());

const posts = () => server.deps.mongo.db.collection<{ _id: string; pending: boolean; createdAt: Date }>("forum_posts");
const newTopic = (title: string, visibility: "platform" | "organization") =>
  member.client.forums.createTopic.mutate({ title, categoryId, body: "<p>What now?</p>", visibility });
const visiblePostIds = async (topicId: string) =>
  (await member.client.forums.listPosts.query({ topicId })).items.map((p) => p.id);

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("forums.repairPendingPosts (a background job)", () => {
  it("releases a committed post, removes an uncommitted one and leaves a fresh write alone", async () => {
    const topic = await newTopic("Hydraulic press leaks after a cold start", "organization");
    const longAgo = new Date(Date.now() - 10 * 60_000);

    // Crashed after the PostgreSQL commit, before the release: the reply is counted but hidden.
    const committed = await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Check the O-rings</p>",
    });
    await posts().updateOne({ _id: committed.id }, { $set: { pending: true, createdAt: longAgo } });
    // Crashed before the PostgreSQL transaction: only the Mongo document exists.
    const copy = await posts().findOne({ _id: committed.id });
    if (!copy) throw new Error("the reply was not written");
    const orphan = { ...copy, _id: "0190a4a0-0000-7000-8000-00000000abcd" };
    await posts().insertOne({ ...orphan, pending: true, createdAt: longAgo });
    // A write still in progress (younger than the grace period) is not touched.
    const inFlight = { ...orphan, _id: "0190a4a0-0000-7000-8000-00000000abce", createdAt: new Date() };
    await posts().insertOne(inFlight);

    expect(await visiblePostIds(topic.id)).not.toContain(committed.id);

    await server.deps.jobs.enqueue("forums.repairPendingPosts", {});
    await waitFor(async () => (await posts().findOne({ _id: orphan._id })) === null);

    expect(await visiblePostIds(topic.id)).toContain(committed.id);
    expect(await posts().findOne({ _id: committed.id })).toMatchObject({ pending: false });
    expect(await posts().findOne({ _id: inFlight._id })).toMatchObject({ pending: true });
    expect(await visiblePostIds(topic.id)).not.toContain(inFlight._id);
  });
});

describe("forums.fillPostFacts (a background job)", () => {
  it("copies the author, organization and attachments of posts from before PostgreSQL kept them", async () => {
    const topic = await newTopic("Chiller trips on high head pressure", "platform");
    const file = await uploadFile(server, member, {
      name: "coils.txt",
      contentType: "text/plain",
      body: "Clean both coils monthly.",
    });
    const reply = await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Clean the coils</p>",
      attachmentIds: [file.id],
    });
    const files = () =>
      server.deps.db
        .selectFrom("forumPostFiles")
        .select(["postId", "fileId"])
        .where("topicId", "=", topic.id)
        .execute();
    expect(await files()).toEqual([{ postId: reply.id, fileId: file.id }]);
    const facts = () =>
      server.deps.db
        .selectFrom("forumSearch")
        .select(["postId", "authorId", "organizationId", "opening"])
        .where("topicId", "=", topic.id)
        .orderBy("opening", "desc")
        .execute();
    const written = await facts();
    expect(written).toEqual([
      { postId: expect.any(String), authorId: member.userId, organizationId: member.organizationId, opening: true },
      { postId: reply.id, authorId: member.userId, organizationId: member.organizationId, opening: false },
    ]);
    // As migration 0014 leaves a reply from before it: no author, no attachments yet.
    await server.deps.db
      .updateTable("forumSearch")
      .set({ authorId: null, organizationId: null, factsPending: true })
      .where("postId", "=", reply.id)
      .execute();
    await server.deps.db.deleteFrom("forumPostFiles").where("postId", "=", reply.id).execute();
    expect(await fillPostFacts(server.deps)).toBeGreaterThanOrEqual(1);
    expect(await facts()).toEqual(written);
    expect(await files()).toEqual([{ postId: reply.id, fileId: file.id }]);
  });
});
