import { addMember, signUpAdmin, startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

it("forum smoke", async () => {
  const admin = await signUpAdmin(server);
  const member = await addMember(server, admin);
  const cats = await admin.client.forums.listCategories.query();
  expect(cats.length).toBe(7);
  const topic = await admin.client.forums.createTopic.mutate({
    title: "Compressor vibration keeps rising",
    categoryId: cats[2]!.id,
    body: "<p>Our <b>screw compressor</b> vibrates <script>alert(1)</script> more each week</p>",
    visibility: "platform",
    tags: ["compressors"],
  });
  expect(topic.posts.items[0]?.bodyHtml).toBe("<p>Our <b>screw compressor</b> vibrates  more each week</p>");
  const reply = await member.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Check the bearings</p>" });
  await member.client.forums.createPost.mutate({ topicId: topic.id, parentId: reply.id, body: "<p>nested</p>" });
  await admin.client.forums.likePost.mutate({ postId: reply.id });
  await admin.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: reply.id });
  const got = await member.client.forums.getTopic.query({ id: topic.id });
  expect(got.answered).toBe(true);
  expect(got.posts.items).toHaveLength(2);
  expect(got.posts.items[1]?.replies).toHaveLength(1);
  expect(got.posts.items[1]?.likeCount).toBe(1);
  const list = await member.client.forums.listTopics.query({ sort: "active" });
  expect(list.items.map((t) => t.id)).toContain(topic.id);
  const hits = await member.client.forums.search.query({ q: "bearings" });
  expect(hits.items[0]?.snippet).toContain("<mark>bearings</mark>");
});
