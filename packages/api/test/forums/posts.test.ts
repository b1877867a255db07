import { randomUUID } from "node:crypto";
import type { RouterInputs, RouterOutputs } from "@p2p/client";
import {
  countRows,
  failure,
  signUpCast,
  startTestServer,
  type TestServer,
  type TestUser,
  uploadFile,
} from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postsOf } from "../../src/modules/forums/post-docs";
import { topicPostsChanged } from "../../src/modules/forums/post-pages";
import { MAX_REPLIES_PER_PAGE } from "../../src/modules/forums/posts";
import { waitFor } from "../helpers";

type Post = RouterOutputs["forums"]["createPost"];
type Topic = RouterOutputs["forums"]["createTopic"];
type NewPost = RouterInputs["forums"]["createPost"];

let server: TestServer;
/** Acme: an admin and two plain members; `member` writes most topics. */
let admin: TestUser;
let member: TestUser;
let colleague: TestUser;
/** The admin of another organization: sees platform topics only. */
let outsider: TestUser;
/** A platform moderator from a third organization. */
let moderator: TestUser;
let categoryId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ admin, member, colleague, outsider, moderator } = await signUpCast(server));
  const categories = await admin.client.forums.listCategories.query();
  categoryId = categories[0]?.id ?? "";
});
afterAll(() => server?.close());

// ---------------------------------------------------------------- helpers

const newTopic = (user: TestUser, visibility: "platform" | "organization" = "organization", body = "<p>Question</p>") =>
  user.client.forums.createTopic.mutate({ title: "Why does the line stop?", categoryId, body, visibility });

/** A post in `topic`, replying to `parent` when given. */
const post = (user: TestUser, topic: { id: string }, parent?: { id: string } | null, input: Partial<NewPost> = {}) =>
  user.client.forums.createPost.mutate({
    topicId: topic.id,
    parentId: parent?.id,
    body: `<p>Reply by ${user.email}</p>`,
    ...input,
  });

const firstPostOf = (topic: Topic) => {
  const first = topic.posts.items[0];
  if (!first) throw new Error("a topic without its first post");
  return first;
};

/** The topic's posts as `user` sees them: every page, threads included. */
async function threadOf(user: TestUser, topic: { id: string }) {
  const items: Post[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Post[]; nextCursor: string | null } = await user.client.forums.listPosts.query({
      topicId: topic.id,
      cursor,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** One post of the thread, wherever it hangs. */
async function shown(user: TestUser, topic: { id: string }, postId: string): Promise<Post | undefined> {
  const find = (posts: Post[]): Post | undefined => {
    for (const p of posts) {
      const hit = p.id === postId ? p : find(p.replies);
      if (hit) return hit;
    }
    return undefined;
  };
  return find(await threadOf(user, topic));
}

/** The thread reduced to its shape: who answers whom, and how deep it is shown. */
interface Shape {
  id: string;
  parentId: string | null;
  depth: number;
  replies: Shape[];
}
const shapeOf = (p: Post): Shape => ({
  id: p.id,
  parentId: p.parentId,
  depth: p.depth,
  replies: p.replies.map(shapeOf),
});
const node = (p: { id: string }, parent: { id: string } | null, depth: number, replies: Shape[] = []): Shape => ({
  id: p.id,
  parentId: parent?.id ?? null,
  depth,
  replies,
});

/** What the stores hold, to show a rejected call wrote nothing. */
async function stored() {
  const count = (table: "forumTopics" | "forumSearch" | "notifications" | "forumPostLikes") => countRows(server, table);
  return {
    topics: await count("forumTopics"),
    search: await count("forumSearch"),
    notifications: await count("notifications"),
    likes: await count("forumPostLikes"),
    posts: await server.deps.mongo.db.collection("forum_posts").countDocuments(),
    activity: await server.deps.mongo.db.collection("activity").countDocuments(),
  };
}

/** Notifications about one post, as "type → recipient" lines. */
async function notificationsAbout(postId: string) {
  const rows = await server.deps.db
    .selectFrom("notifications")
    .select(["type", "userId", "actorId"])
    .where(sql<string>`data->>'postId'`, "=", postId)
    .execute();
  return rows.map((r) => `${r.type} → ${r.userId}`).sort();
}
const to = (type: string, ...users: TestUser[]) => users.map((u) => `${type} → ${u.userId}`);

const topicOf = (user: TestUser, topic: { id: string }) => user.client.forums.getTopic.query({ id: topic.id });

/** How a call is refused: its app error code and the distinct input fields it names. */
async function refusal(call: Promise<unknown>) {
  const { appCode, fields } = await failure(call);
  return { appCode, fields: [...new Set(fields)] };
}
const badInput = (...fields: string[]) => ({ appCode: "BAD_REQUEST", fields });
const codeOf = async (call: Promise<unknown>) => (await failure(call)).appCode;
const anonymous = () => ({ client: server.client() }) as TestUser;
const UNKNOWN_ID = "0190a4a0-0000-7000-8000-000000000000";

/** Uploads a small text file over HTTP as `user`, the way the web app attaches files. */
const upload = (user: TestUser, name = "torque-table.txt") =>
  uploadFile(server, user, { name, contentType: "text/plain", body: "M8: 25 Nm\nM10: 49 Nm\n" });

// ---------------------------------------------------------------- listPosts

describe("forums.listPosts", () => {
  it("nests replies under their parents and caps the shown depth", async () => {
    const topic = await newTopic(member, "platform");
    const question = firstPostOf(topic);
    const p1 = await post(colleague, topic);
    const r1 = await post(admin, topic, p1);
    const r2 = await post(colleague, topic, r1);
    const r3 = await post(admin, topic, r2);
    const r4 = await post(colleague, topic, r3);
    // Past MAX_DEPTH = 4: still answering their parent, shown beside it under the deepest shown ancestor.
    const r5 = await post(admin, topic, r4);
    const r6 = await post(colleague, topic, r5);
    const onQuestion = await post(member, topic, question);
    const p2 = await post(outsider, topic);

    expect([r1, r2, r3, r4, r5, r6].map((r) => [r.depth, r.parentId])).toEqual([
      [1, p1.id],
      [2, r1.id],
      [3, r2.id],
      [4, r3.id],
      [4, r4.id],
      [4, r5.id],
    ]);
    expect((await threadOf(outsider, topic)).map(shapeOf)).toEqual([
      node(question, null, 0, [node(onQuestion, question, 1)]),
      node(p1, null, 0, [
        node(r1, p1, 1, [node(r2, r1, 2, [node(r3, r2, 3, [node(r4, r3, 4), node(r5, r4, 4), node(r6, r5, 4)])])]),
      ]),
      node(p2, null, 0),
    ]);
    expect((await topicOf(outsider, topic)).posts.items.map(shapeOf)).toEqual(
      (await threadOf(outsider, topic)).map(shapeOf),
    );
  });

  it("shows each post with its author, body and the reader's own like", async () => {
    const topic = await newTopic(member, "organization", "<p>What <em>torque</em> for M8?</p>");
    const answer = await post(colleague, topic, null, { body: "<p>25 Nm</p>" });
    await member.client.forums.likePost.mutate({ postId: answer.id });

    const [first, reply] = await threadOf(admin, topic);
    expect(first).toMatchObject({
      topicId: topic.id,
      bodyHtml: "<p>What <em>torque</em> for M8?</p>",
      author: { id: member.userId, firstName: "Max", lastName: "Member", organization: { id: admin.organizationId } },
      deleted: false,
      editedAt: null,
      isBestAnswer: false,
      attachments: [],
    });
    expect(reply).toMatchObject({ id: answer.id, bodyHtml: "<p>25 Nm</p>", likeCount: 1, likedByMe: false });
    expect((await shown(member, topic, answer.id))?.likedByMe).toBe(true);
  });

  it("pages through top-level posts, each page keeping its threads", async () => {
    const topic = await newTopic(member);
    const a = await post(colleague, topic);
    const b = await post(admin, topic);
    const underA = await post(member, topic, a);

    const page1 = await colleague.client.forums.listPosts.query({ topicId: topic.id, limit: 2 });
    expect(page1.items.map(shapeOf)).toEqual([
      node(firstPostOf(topic), null, 0),
      node(a, null, 0, [node(underA, a, 1)]),
    ]);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await colleague.client.forums.listPosts.query({
      topicId: topic.id,
      limit: 2,
      cursor: page1.nextCursor,
    });
    expect(page2).toMatchObject({ items: [{ id: b.id }], nextCursor: null });
  });

  it("a large topic's first page is the same page as a small topic's, read the other way", async () => {
    const topic = await newTopic(member);
    // 60 top-level posts with one reply each (written straight to the store), oldest first.
    const start = Date.now() + 1_000; // after the question
    const doc = (i: number, root: string | null) => ({
      _id: randomUUID(),
      topicId: topic.id,
      authorId: colleague.userId,
      organizationId: colleague.organizationId,
      parentId: root,
      treeParentId: root,
      depth: root ? 1 : 0,
      bodyHtml: `<p>post ${i}</p>`,
      attachmentIds: [],
      createdAt: new Date(start + i * 1000),
      editedAt: null,
      deletedAt: null,
      pending: false,
    });
    const tops = Array.from({ length: 60 }, (_, i) => doc(2 * i, null));
    const docs = tops.flatMap((top, i) => [
      { ...top, rootId: top._id },
      { ...doc(2 * i + 1, top._id), rootId: top._id },
    ]);
    await postsOf(server.deps.mongo).insertMany(docs);
    const firstPage = async () => {
      await topicPostsChanged(server.deps, topic.id); // written around the API: its cached pages go
      return colleague.client.forums.listPosts.query({ topicId: topic.id, limit: 20 });
    };
    const large = await firstPage(); // 121 posts: the page takes two reads
    expect(large.items).toHaveLength(20);
    expect(large.items.slice(1).map((p) => [p.bodyHtml, p.replies.map((r) => r.bodyHtml)])).toEqual(
      Array.from({ length: 19 }, (_, i) => [`<p>post ${2 * i}</p>`, [`<p>post ${2 * i + 1}</p>`]]),
    );
    // The last 25 threads gone from the store: 71 posts, read in one.
    await postsOf(server.deps.mongo).deleteMany({ rootId: { $in: tops.slice(35).map((t) => t._id) } });
    expect(await firstPage()).toEqual(large);
  });

  it("a thread longer than a page's share of replies is read on with listReplies: every reply reachable", async () => {
    const topic = await newTopic(member);
    const a = await post(member, topic);
    const b = await post(colleague, topic);
    // A busy thread under `a` (written straight to the store: 501 replies through the API would take long).
    const start = Date.now() - 60_000;
    await postsOf(server.deps.mongo).insertMany(
      Array.from({ length: MAX_REPLIES_PER_PAGE + 1 }, (_, i) => ({
        _id: randomUUID(),
        topicId: topic.id,
        authorId: member.userId,
        organizationId: member.organizationId,
        parentId: a.id,
        treeParentId: a.id,
        rootId: a.id,
        depth: 1,
        bodyHtml: `<p>busy ${i}</p>`,
        attachmentIds: [],
        createdAt: new Date(start + i),
        editedAt: null,
        deletedAt: null,
        pending: false,
      })),
    );
    const underB = await post(admin, topic, b); // the newest reply of the topic
    const [, first, second] = (await colleague.client.forums.listPosts.query({ topicId: topic.id })).items;
    expect(first?.replies).toHaveLength(MAX_REPLIES_PER_PAGE);
    expect([first?.moreReplies, second?.moreReplies]).toEqual([true, true]);
    const rest = async (postId: string, after: string | null) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let started = after === null;
      do {
        const page = await colleague.client.forums.listReplies.query({ postId, limit: 100, cursor });
        for (const reply of page.items) {
          if (started) ids.push(reply.id);
          started ||= reply.id === after;
        }
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const seenOfA = new Set(first?.replies.map((r) => r.id));
    const more = await rest(a.id, first?.replies.at(-1)?.id ?? null);
    expect(more).toHaveLength(1);
    expect(seenOfA.has(more[0] as string)).toBe(false);
    expect(await rest(b.id, null)).toEqual([underB.id]);
    expect(await failure(colleague.client.forums.listReplies.query({ postId: underB.id }))).toMatchObject({
      fields: ["postId"],
    });
    expect((await failure(outsider.client.forums.listReplies.query({ postId: a.id }))).appCode).toBe("NOT_FOUND");
  });

  it("is current on every node: a post written, edited or deleted through one node shows in the next read on another", async () => {
    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const onB = nodeB.client({ token: colleague.token });
      const topic = await newTopic(member);
      const bodiesOnB = async () => {
        const [page, whole] = await Promise.all([
          onB.forums.listPosts.query({ topicId: topic.id }),
          onB.forums.getTopic.query({ id: topic.id }),
        ]);
        expect(whole.posts.items).toEqual(page.items);
        const bodies = (items: typeof page.items): string[] =>
          items.flatMap((p) => [p.deleted ? "(deleted)" : (p.bodyHtml ?? ""), ...bodies(p.replies)]);
        return bodies(page.items);
      };
      expect(await bodiesOnB()).toEqual(["<p>Question</p>"]); // now cached on node B

      const reply = await post(admin, topic, null, { body: "<p>Check the sensor</p>" });
      expect(await bodiesOnB()).toEqual(["<p>Question</p>", "<p>Check the sensor</p>"]);
      const nested = await post(member, topic, reply, { body: "<p>Which one?</p>" });
      expect(await bodiesOnB()).toEqual(["<p>Question</p>", "<p>Check the sensor</p>", "<p>Which one?</p>"]);
      await admin.client.forums.updatePost.mutate({ id: reply.id, body: "<p>Check the proximity sensor</p>" });
      expect(await bodiesOnB()).toEqual(["<p>Question</p>", "<p>Check the proximity sensor</p>", "<p>Which one?</p>"]);
      await member.client.forums.deletePost.mutate({ postId: nested.id });
      expect(await bodiesOnB()).toEqual(["<p>Question</p>", "<p>Check the proximity sensor</p>", "(deleted)"]);
      // What depends on the reader stays the reader's: a like is theirs alone, on every node.
      await colleague.client.forums.likePost.mutate({ postId: reply.id });
      const liked = (await onB.forums.listPosts.query({ topicId: topic.id })).items[1];
      expect(liked).toMatchObject({ id: reply.id, likeCount: 1, likedByMe: true });
      const byAuthor = (await admin.client.forums.listPosts.query({ topicId: topic.id })).items[1];
      expect(byAuthor).toMatchObject({ id: reply.id, likeCount: 1, likedByMe: false });

      // Authors as shown: their profile and their organization's name, changed through the other node.
      const authorOnB = async () => (await onB.forums.listPosts.query({ topicId: topic.id })).items[1]?.author;
      await admin.client.users.updateMe.mutate({ title: "Reliability engineer" });
      expect(await authorOnB()).toMatchObject({ id: admin.userId, title: "Reliability engineer" });
      await admin.client.organizations.update.mutate({ name: "Acme Renamed" });
      expect((await authorOnB())?.organization).toMatchObject({ name: "Acme Renamed" });
    } finally {
      await nodeB.close();
    }
  });

  it("answers NOT_FOUND to other organizations for an organization topic, and for unknown topics", async () => {
    const topic = await newTopic(member, "organization");
    expect(await codeOf(outsider.client.forums.listPosts.query({ topicId: topic.id }))).toBe("NOT_FOUND");
    expect(await codeOf(moderator.client.forums.listPosts.query({ topicId: topic.id }))).toBe("NOT_FOUND");
    expect(await codeOf(member.client.forums.listPosts.query({ topicId: UNKNOWN_ID }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous().client.forums.listPosts.query({ topicId: topic.id }))).toBe("UNAUTHORIZED");
  });

  it.each<[string, Record<string, unknown>]>([
    ["topicId", { topicId: "nope" }],
    ["limit", { limit: 0 }],
    ["limit", { limit: 101 }],
    ["cursor", { cursor: "%%%" }],
    ["cursor", { cursor: Buffer.from(JSON.stringify([1, 2])).toString("base64url") }],
    ["cursor", { cursor: Buffer.from(JSON.stringify(["yesterday", "x"])).toString("base64url") }],
  ])("rejects a bad %s", async (field, input) => {
    const topic = await newTopic(member);
    const call = member.client.forums.listPosts.query({ topicId: topic.id, ...input } as { topicId: string });
    expect(await refusal(call)).toEqual(badInput(field));
  });
});

// ---------------------------------------------------------------- createPost

describe("forums.createPost", () => {
  it("adds a reply that readers see, moving the topic's counters and activity", async () => {
    const topic = await newTopic(member, "platform");
    const before = await topicOf(member, topic);
    const reply = await post(outsider, topic, null, { body: "<p>Check the <strong>belt</strong></p>" });
    expect(reply).toMatchObject({
      topicId: topic.id,
      parentId: null,
      depth: 0,
      author: { id: outsider.userId, organization: { id: outsider.organizationId } },
      bodyHtml: "<p>Check the <strong>belt</strong></p>",
      deleted: false,
      editedAt: null,
      likeCount: 0,
      likedByMe: false,
      isBestAnswer: false,
      replies: [],
    });

    const after = await topicOf(colleague, topic);
    expect(after.replyCount).toBe(1);
    expect(after.lastActivityAt.getTime()).toBeGreaterThan(before.lastActivityAt.getTime());
    expect(after.posts.items.map((p) => p.id)).toEqual([firstPostOf(topic).id, reply.id]);
    const hits = await member.client.forums.search.query({ q: "belt" });
    expect(hits.items.map((h) => h.postId)).toContain(reply.id);
  });

  it("records one activity event per post", async () => {
    const topic = await newTopic(member, "organization");
    const first = await post(colleague, topic);
    const second = await post(admin, topic, first);
    const events = await server.deps.mongo.db
      .collection("activity")
      .find({ subjectId: topic.id })
      .sort({ createdAt: 1 })
      .toArray();
    expect(events).toMatchObject([
      { type: "forum.topic.created", actorId: member.userId },
      { type: "forum.post.created", actorId: colleague.userId, visibility: "organization", data: { postId: first.id } },
      { type: "forum.post.created", actorId: admin.userId, data: { postId: second.id } },
    ]);
  });

  it.each<[string, (topic: Topic, other: Topic) => Partial<NewPost>]>([
    ["body", () => ({ body: "" })],
    ["body", () => ({ body: "<script>alert(1)</script>" })],
    ["body", () => ({ body: '<img src="data:image/png;base64,iVBORw0KGgo=">' })],
    ["body", () => ({ body: "x".repeat(50_001) })],
    ["topicId", () => ({ topicId: "nope" })],
    ["parentId", () => ({ parentId: "nope" })],
    ["parentId", () => ({ parentId: UNKNOWN_ID })],
    ["parentId", (_, other) => ({ parentId: firstPostOf(other).id })],
    ["attachmentIds", () => ({ attachmentIds: [UNKNOWN_ID] })],
    ["attachmentIds", () => ({ attachmentIds: Array.from({ length: 11 }, () => UNKNOWN_ID) })],
  ])("rejects a bad %s and writes nothing", async (field, input) => {
    const [topic, other] = await Promise.all([newTopic(member), newTopic(member)]);
    const before = await stored();
    expect(await refusal(post(colleague, topic, null, input(topic, other)))).toEqual(badInput(field));
    expect(await stored()).toEqual(before);
    expect((await topicOf(member, topic)).replyCount).toBe(0);
  });

  it("refuses a locked topic, another organization's topic and anonymous callers, writing nothing", async () => {
    const locked = await newTopic(member, "platform");
    await moderator.client.forums.lockTopic.mutate({ id: locked.id, locked: true });
    const internal = await newTopic(member, "organization");
    const before = await stored();

    expect(await codeOf(post(colleague, locked))).toBe("FORBIDDEN");
    expect(await codeOf(post(member, locked))).toBe("FORBIDDEN");
    expect(await codeOf(post(outsider, internal))).toBe("NOT_FOUND");
    expect(await codeOf(post(outsider, { id: UNKNOWN_ID }))).toBe("NOT_FOUND");
    expect(await codeOf(post(anonymous(), locked))).toBe("UNAUTHORIZED");
    expect(await stored()).toEqual(before);
    expect((await topicOf(member, internal)).posts.items).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- content rules

describe("rich text", () => {
  it.each([
    ["script tags", "<p>hi</p><script>alert(1)</script>", "<p>hi</p>"],
    ["event handlers", '<p onclick="alert(1)" onmouseover="steal()">hi</p>', "<p>hi</p>"],
    [
      "image event handlers",
      '<p>pic</p><img src="https://cdn.example.com/a.png" onerror="alert(1)" alt="a">',
      '<p>pic</p><img src="https://cdn.example.com/a.png" alt="a" />',
    ],
    [
      "javascript: links",
      '<a href="javascript:alert(1)">go</a>',
      '<a rel="nofollow noopener noreferrer ugc" target="_blank">go</a>',
    ],
    [
      "disguised javascript: links",
      '<a href=" &#106;avaScript:alert(1)">go</a>',
      '<a rel="nofollow noopener noreferrer ugc" target="_blank">go</a>',
    ],
    ["data: images", '<p>pic</p><img src="data:image/png;base64,iVBORw0KGgo=">', "<p>pic</p>"],
    ["plain-http images", '<p>pic</p><img src="http://cdn.example.com/a.png">', "<p>pic</p>"],
    ["relative image URLs", '<p>pic</p><img src="/auth/signout"><img src="files/x.png"><img src="../x">', "<p>pic</p>"],
    ["protocol-relative image URLs", '<p>pic</p><img src="//evil.example/a.png">', "<p>pic</p>"],
    ["image URLs with credentials", '<p>pic</p><img src="https://user:pw@cdn.example.com/a.png">', "<p>pic</p>"],
    [
      "unbounded image sizes",
      '<img src="https://cdn.example.com/a.png" width="99999" height="100%"><img src="https://cdn.example.com/b.png" width="0" height="-5">',
      '<img src="https://cdn.example.com/a.png" /><img src="https://cdn.example.com/b.png" />',
    ],
    [
      "image URLs (normalized) and sizes within bounds (kept)",
      '<img src=" HTTPS://CDN.example.com/a b.png" width="640" height="4096">',
      '<img src="https://cdn.example.com/a%20b.png" width="640" height="4096" />',
    ],
    [
      "data: links",
      '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
      '<a rel="nofollow noopener noreferrer ugc" target="_blank">x</a>',
    ],
    ["style attributes", '<p style="background:url(javascript:alert(1))">styled</p>', "<p>styled</p>"],
    [
      "embeds",
      '<iframe src="https://evil.example"></iframe><svg onload=alert(1)></svg><p>ok</p><object data="x"></object>',
      "<p>ok</p>",
    ],
    [
      "links (made safe)",
      '<a href="https://example.com/x" rel="opener" target="_self">site</a>',
      '<a href="https://example.com/x" rel="nofollow noopener noreferrer ugc" target="_blank">site</a>',
    ],
  ])("neutralizes %s", async (_, body, html) => {
    const topic = await newTopic(member, "platform", body);
    expect(firstPostOf(topic).bodyHtml).toBe(html);
    const reply = await post(outsider, topic, null, { body });
    expect((await shown(colleague, topic, reply.id))?.bodyHtml).toBe(html);
  });

  it("keeps formatting and mentions", async () => {
    const body = `<h2>Steps</h2><ol><li><b>Stop</b> the line</li></ol><blockquote>quote</blockquote><pre><code>x = 1</code></pre><p><span data-mention="${colleague.userId}" class="chip">@Max</span></p>`;
    const topic = await newTopic(member, "organization", body);
    expect(firstPostOf(topic).bodyHtml).toBe(
      `<h2>Steps</h2><ol><li><b>Stop</b> the line</li></ol><blockquote>quote</blockquote><pre><code>x = 1</code></pre><p><span data-mention="${colleague.userId}">@Max</span></p>`,
    );
  });
});

// ---------------------------------------------------------------- attachments

describe("attachments", () => {
  it("attach the author's own uploads to topics and posts", async () => {
    const [file, other] = await Promise.all([upload(member, "question.txt"), upload(colleague)]);
    const topic = await member.client.forums.createTopic.mutate({
      title: "Torque tables attached",
      categoryId,
      body: "<p>See the file</p>",
      visibility: "organization",
      attachmentIds: [file.id],
    });
    const meta = (f: typeof file) => ({ id: f.id, name: f.name, contentType: "text/plain", size: f.size });
    expect(firstPostOf(topic).attachments).toEqual([meta(file)]);
    const reply = await post(colleague, topic, null, { attachmentIds: [other.id] });
    expect(reply.attachments).toEqual([meta(other)]);
    expect((await shown(admin, topic, reply.id))?.attachments).toEqual([meta(other)]);
  });

  it("refuse files someone else uploaded, naming attachmentIds", async () => {
    const [mine, theirs] = await Promise.all([upload(colleague), upload(outsider)]);
    const topic = await newTopic(member, "platform");
    const before = await stored();
    expect(await refusal(post(colleague, topic, null, { attachmentIds: [mine.id, theirs.id] }))).toEqual(
      badInput("attachmentIds"),
    );
    const createTopic = member.client.forums.createTopic.mutate({
      title: "Someone else's file",
      categoryId,
      body: "<p>x</p>",
      visibility: "platform",
      attachmentIds: [mine.id],
    });
    expect(await refusal(createTopic)).toEqual(badInput("attachmentIds"));
    expect(await stored()).toEqual(before);
  });
});

// ---------------------------------------------------------------- updatePost

describe("forums.updatePost", () => {
  it("lets the author edit, sanitizing the body and marking it edited", async () => {
    const topic = await newTopic(member, "platform");
    const reply = await post(colleague, topic, null, { body: "<p>first draft</p>" });
    const edited = await colleague.client.forums.updatePost.mutate({
      id: reply.id,
      body: '<p onclick="x()">Second thought: <em>gearbox</em></p><script>1</script>',
    });
    expect(edited).toMatchObject({ id: reply.id, bodyHtml: "<p>Second thought: <em>gearbox</em></p>" });
    expect(edited.editedAt).toBeInstanceOf(Date);
    expect(await shown(outsider, topic, reply.id)).toMatchObject({
      bodyHtml: "<p>Second thought: <em>gearbox</em></p>",
      editedAt: edited.editedAt,
      parentId: null,
    });
    const hits = await outsider.client.forums.search.query({ q: "gearbox" });
    expect(hits.items.map((h) => h.postId)).toContain(reply.id);
  });

  it("refuses anyone but the author, and leaves the post as it was", async () => {
    const platform = await newTopic(member, "platform");
    const internal = await newTopic(member, "organization");
    const onPlatform = await post(colleague, platform);
    const onInternal = await post(colleague, internal);
    const edit = (user: TestUser, p: Post) =>
      codeOf(user.client.forums.updatePost.mutate({ id: p.id, body: "<p>hijacked</p>" }));

    expect(await edit(member, onPlatform)).toBe("FORBIDDEN"); // the topic's author
    expect(await edit(admin, onPlatform)).toBe("FORBIDDEN");
    expect(await edit(moderator, onPlatform)).toBe("FORBIDDEN");
    expect(await edit(outsider, onInternal)).toBe("NOT_FOUND");
    expect(await edit(anonymous(), onPlatform)).toBe("UNAUTHORIZED");
    expect(await shown(member, platform, onPlatform.id)).toMatchObject({
      bodyHtml: onPlatform.bodyHtml,
      editedAt: null,
    });
    expect(await shown(member, internal, onInternal.id)).toMatchObject({
      bodyHtml: onInternal.bodyHtml,
      editedAt: null,
    });
  });

  it("refuses to edit a deleted post", async () => {
    const topic = await newTopic(member);
    const reply = await post(colleague, topic);
    await colleague.client.forums.deletePost.mutate({ postId: reply.id });
    expect(await codeOf(colleague.client.forums.updatePost.mutate({ id: reply.id, body: "<p>back</p>" }))).toBe(
      "CONFLICT",
    );
    expect(await shown(member, topic, reply.id)).toMatchObject({ deleted: true, bodyHtml: null });
  });

  it.each<[string, Record<string, unknown>]>([
    ["body", { body: "" }],
    ["body", { body: "<script>alert(1)</script>" }],
    ["id", { id: "nope" }],
  ])("rejects a bad %s and changes nothing", async (field, input) => {
    const topic = await newTopic(member);
    const reply = await post(colleague, topic);
    const call = colleague.client.forums.updatePost.mutate({ id: reply.id, body: "<p>ok</p>", ...input });
    expect(await refusal(call)).toEqual(badInput(field));
    expect(await shown(member, topic, reply.id)).toMatchObject({ bodyHtml: reply.bodyHtml, editedAt: null });
  });
});

// ---------------------------------------------------------------- deletePost

describe("forums.deletePost", () => {
  it("leaves a tombstone so the thread keeps its shape", async () => {
    const topic = await newTopic(member, "platform");
    const file = await upload(colleague);
    const parent = await post(colleague, topic, null, { body: "<p>Xylophone advice</p>", attachmentIds: [file.id] });
    const child = await post(admin, topic, parent);
    await outsider.client.forums.likePost.mutate({ postId: parent.id });

    expect(await colleague.client.forums.deletePost.mutate({ postId: parent.id })).toEqual({ ok: true });
    const [, tombstone] = await threadOf(outsider, topic);
    expect(tombstone).toMatchObject({
      id: parent.id,
      deleted: true,
      bodyHtml: null,
      attachments: [],
      author: { id: colleague.userId },
    });
    expect(tombstone?.replies.map(shapeOf)).toEqual([node(child, parent, 1)]);
    expect(await topicOf(member, topic)).toMatchObject({ replyCount: 1, likeCount: 0 });
    expect(tombstone?.likeCount).toBe(0);
    expect((await outsider.client.forums.search.query({ q: "xylophone" })).items).toEqual([]);
    // Deleted posts take no likes, and deleting again changes nothing.
    expect(await codeOf(member.client.forums.likePost.mutate({ postId: parent.id }))).toBe("NOT_FOUND");
    expect(await colleague.client.forums.deletePost.mutate({ postId: parent.id })).toEqual({ ok: true });
    expect((await topicOf(member, topic)).replyCount).toBe(1);
    // Nobody replies to a tombstone; the thread under it stays open.
    const refused = await failure(post(member, topic, parent));
    expect(refused).toMatchObject({ code: "BAD_REQUEST", fields: ["parentId"] });
    expect((await topicOf(member, topic)).replyCount).toBe(1);
    await post(member, topic, child);
  });

  it("deleting a reply twice at once (a double click) counts once", async () => {
    const topic = await newTopic(member, "platform");
    const [kept, doomed] = [await post(colleague, topic), await post(colleague, topic)];
    await outsider.client.forums.likePost.mutate({ postId: kept.id });
    await outsider.client.forums.likePost.mutate({ postId: doomed.id });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => colleague.client.forums.deletePost.mutate({ postId: doomed.id })),
    );
    expect(answers).toEqual(answers.map(() => ({ ok: true })));
    expect(await topicOf(member, topic)).toMatchObject({ replyCount: 1, likeCount: 1 });
  });

  it("an edit at the moment of a deletion never brings the post back", async () => {
    const topic = await newTopic(member, "platform");
    const replies = await Promise.all(Array.from({ length: 12 }, () => post(colleague, topic)));
    const edits = await Promise.allSettled(
      replies.flatMap((reply) => [
        colleague.client.forums.updatePost.mutate({ id: reply.id, body: "<p>Edited at the last moment</p>" }),
        admin.client.forums.deletePost.mutate({ postId: reply.id }),
      ]),
    );
    // An edit lands before its deletion or is refused as too late; every post ends deleted.
    for (const edit of edits.filter((_, i) => i % 2 === 0))
      if (edit.status === "rejected") expect(await codeOf(Promise.reject(edit.reason))).toBe("CONFLICT");
    const thread = await threadOf(outsider, topic);
    expect(thread.slice(1).map((p) => [p.deleted, p.bodyHtml])).toEqual(replies.map(() => [true, null]));
  });

  it("lets an admin of the author's organization and a platform moderator delete", async () => {
    const topic = await newTopic(member, "platform");
    const byColleague = await post(colleague, topic);
    const byOutsider = await post(outsider, topic);
    await admin.client.forums.deletePost.mutate({ postId: byColleague.id });
    await moderator.client.forums.deletePost.mutate({ postId: byOutsider.id });
    expect((await threadOf(member, topic)).map((p) => p.deleted)).toEqual([false, true, true]);
  });

  it("refuses everyone else, and the first post (delete the topic instead)", async () => {
    const platform = await newTopic(member, "platform");
    const internal = await newTopic(member, "organization");
    const reply = await post(colleague, platform);
    const internalReply = await post(colleague, internal);
    const remove = (user: TestUser, postId: string) => codeOf(user.client.forums.deletePost.mutate({ postId }));

    expect(await remove(member, reply.id)).toBe("FORBIDDEN"); // the topic's author, not the post's
    expect(await remove(outsider, reply.id)).toBe("FORBIDDEN"); // an admin, of another organization
    expect(await remove(outsider, internalReply.id)).toBe("NOT_FOUND");
    expect(await remove(anonymous(), reply.id)).toBe("UNAUTHORIZED");
    expect(await remove(member, firstPostOf(platform).id)).toBe("CONFLICT");
    expect(await remove(member, UNKNOWN_ID)).toBe("NOT_FOUND");
    expect((await threadOf(member, platform)).map((p) => p.deleted)).toEqual([false, false]);
    expect((await threadOf(member, internal)).map((p) => p.deleted)).toEqual([false, false]);
  });

  it("rejects a malformed id", async () => {
    expect(await refusal(member.client.forums.deletePost.mutate({ postId: "nope" }))).toEqual(badInput("postId"));
  });
});

// ---------------------------------------------------------------- likes

describe("forums.likePost / unlikePost", () => {
  it("counts one like per user per post, on the post and on the topic", async () => {
    const topic = await newTopic(member, "platform");
    const reply = await post(colleague, topic);
    const like = (user: TestUser) => user.client.forums.likePost.mutate({ postId: reply.id });
    const unlike = (user: TestUser) => user.client.forums.unlikePost.mutate({ postId: reply.id });
    const likesOnTopic = async () => (await topicOf(member, topic)).likeCount;

    expect(await like(member)).toEqual({ postId: reply.id, likeCount: 1, likedByMe: true });
    expect(await like(member)).toEqual({ postId: reply.id, likeCount: 1, likedByMe: true });
    expect(await like(outsider)).toEqual({ postId: reply.id, likeCount: 2, likedByMe: true });
    await outsider.client.forums.likePost.mutate({ postId: firstPostOf(topic).id });
    expect(await likesOnTopic()).toBe(3);
    expect(await shown(member, topic, reply.id)).toMatchObject({ likeCount: 2, likedByMe: true });
    expect(await shown(admin, topic, reply.id)).toMatchObject({ likeCount: 2, likedByMe: false });

    expect(await unlike(member)).toEqual({ postId: reply.id, likeCount: 1, likedByMe: false });
    expect(await unlike(member)).toEqual({ postId: reply.id, likeCount: 1, likedByMe: false });
    expect(await unlike(admin)).toEqual({ postId: reply.id, likeCount: 1, likedByMe: false });
    expect(await likesOnTopic()).toBe(2);
    expect(await shown(member, topic, reply.id)).toMatchObject({ likeCount: 1, likedByMe: false });
  });

  it("likes of one post at once each count once, and the last to count sees them all", async () => {
    const topic = await newTopic(member, "platform");
    const reply = await post(colleague, topic);
    const likers = [member, admin, outsider, moderator];
    const answers = await Promise.all(likers.map((u) => u.client.forums.likePost.mutate({ postId: reply.id })));
    const counts = answers.map((a) => a.likeCount);
    expect(Math.max(...counts)).toBe(likers.length);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(1);
    expect((await topicOf(member, topic)).likeCount).toBe(likers.length);
    expect(await shown(member, topic, reply.id)).toMatchObject({ likeCount: likers.length, likedByMe: true });
    const unliked = await Promise.all(likers.map((u) => u.client.forums.unlikePost.mutate({ postId: reply.id })));
    expect(Math.min(...unliked.map((a) => a.likeCount))).toBe(0);
    expect((await topicOf(member, topic)).likeCount).toBe(0);
  });

  it("a page this node has cached shows each reader's likes as they are now, and only to those who may see it", async () => {
    const topic = await newTopic(member, "organization");
    const reply = await post(colleague, topic);
    const page = (user: TestUser) => user.client.forums.listPosts.query({ topicId: topic.id, limit: 20 });
    const likesOfReply = async (user: TestUser) => {
      const shownReply = (await page(user)).items.find((p) => p.id === reply.id);
      return [shownReply?.likeCount, shownReply?.likedByMe];
    };
    await page(member); // the page is cached on this node from now on
    await admin.client.forums.likePost.mutate({ postId: reply.id });
    expect(await likesOfReply(member)).toEqual([1, false]);
    expect(await likesOfReply(admin)).toEqual([1, true]);
    expect((await member.client.forums.getTopic.query({ id: topic.id })).posts.items[1]).toMatchObject({
      id: reply.id,
      likeCount: 1,
      likedByMe: false,
    });
    expect(await codeOf(page(outsider))).toBe("NOT_FOUND");
    expect(await codeOf(outsider.client.forums.getTopic.query({ id: topic.id }))).toBe("NOT_FOUND");
    await admin.client.forums.unlikePost.mutate({ postId: reply.id });
    expect(await likesOfReply(admin)).toEqual([0, false]);
  });

  it("refuses liking one's own post, another organization's post and anonymous callers", async () => {
    const platform = await newTopic(member, "platform");
    const internal = await newTopic(member, "organization");
    const own = await post(colleague, platform);
    const hidden = await post(colleague, internal);
    const before = await stored();

    expect(await codeOf(colleague.client.forums.likePost.mutate({ postId: own.id }))).toBe("FORBIDDEN");
    expect(await codeOf(outsider.client.forums.likePost.mutate({ postId: hidden.id }))).toBe("NOT_FOUND");
    expect(await codeOf(outsider.client.forums.unlikePost.mutate({ postId: hidden.id }))).toBe("NOT_FOUND");
    expect(await codeOf(member.client.forums.likePost.mutate({ postId: UNKNOWN_ID }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous().client.forums.likePost.mutate({ postId: own.id }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous().client.forums.unlikePost.mutate({ postId: own.id }))).toBe("UNAUTHORIZED");
    expect(await refusal(member.client.forums.likePost.mutate({ postId: "nope" }))).toEqual(badInput("postId"));
    expect(await refusal(member.client.forums.unlikePost.mutate({ postId: "nope" }))).toEqual(badInput("postId"));
    expect(await stored()).toEqual(before);
    expect((await topicOf(member, platform)).likeCount).toBe(0);
  });
});

// ---------------------------------------------------------------- best answer

describe("forums.markBestAnswer", () => {
  const mark = (user: TestUser, topic: { id: string }, postId: string | null) =>
    user.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId });
  const bestShown = async (topic: { id: string }) => {
    const detail = await topicOf(colleague, topic);
    const flagged = (await threadOf(colleague, topic)).flatMap(function flat(p): Post[] {
      return [p, ...p.replies.flatMap(flat)];
    });
    return {
      answered: detail.answered,
      bestPostId: detail.bestPostId,
      flagged: flagged.filter((p) => p.isBestAnswer).map((p) => p.id),
    };
  };

  it("lets the topic's author pick one answer, replace it and clear it", async () => {
    const topic = await newTopic(member, "platform");
    const first = await post(colleague, topic);
    const nested = await post(outsider, topic, first);

    expect(await mark(member, topic, first.id)).toEqual({ topicId: topic.id, bestPostId: first.id, answered: true });
    expect(await bestShown(topic)).toEqual({ answered: true, bestPostId: first.id, flagged: [first.id] });
    expect(await notificationsAbout(first.id)).toEqual(
      [...to("forum.bestAnswer", colleague), ...to("forum.reply", member)].sort(),
    );

    await mark(member, topic, nested.id);
    expect(await bestShown(topic)).toEqual({ answered: true, bestPostId: nested.id, flagged: [nested.id] });
    expect(await notificationsAbout(nested.id)).toEqual(
      [...to("forum.bestAnswer", outsider), ...to("forum.reply", colleague, member)].sort(),
    );
    expect(await member.client.forums.listTopics.query({ answered: true, authorId: member.userId })).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ id: topic.id })]),
    });

    expect(await mark(member, topic, null)).toEqual({ topicId: topic.id, bestPostId: null, answered: false });
    expect(await bestShown(topic)).toEqual({ answered: false, bestPostId: null, flagged: [] });
  });

  it("is cleared when the best answer is deleted", async () => {
    const topic = await newTopic(member, "organization");
    const answer = await post(colleague, topic);
    await mark(member, topic, answer.id);
    await colleague.client.forums.deletePost.mutate({ postId: answer.id });
    expect(await bestShown(topic)).toEqual({ answered: false, bestPostId: null, flagged: [] });
    expect(await refusal(mark(member, topic, answer.id))).toEqual(badInput("postId"));
  });

  it("refuses anyone but the topic's author, changing nothing", async () => {
    const platform = await newTopic(member, "platform");
    const internal = await newTopic(member, "organization");
    const answer = await post(colleague, platform);
    const hidden = await post(colleague, internal);

    expect(await codeOf(mark(colleague, platform, answer.id))).toBe("FORBIDDEN");
    expect(await codeOf(mark(admin, platform, answer.id))).toBe("FORBIDDEN");
    expect(await codeOf(mark(moderator, platform, answer.id))).toBe("FORBIDDEN");
    expect(await codeOf(mark(outsider, internal, hidden.id))).toBe("NOT_FOUND");
    expect(await codeOf(mark(anonymous(), platform, answer.id))).toBe("UNAUTHORIZED");
    expect(await bestShown(platform)).toEqual({ answered: false, bestPostId: null, flagged: [] });
    expect(await bestShown(internal)).toEqual({ answered: false, bestPostId: null, flagged: [] });
  });

  it("rejects a post that cannot be the answer, changing nothing", async () => {
    const topic = await newTopic(member, "platform");
    const elsewhere = await post(colleague, await newTopic(member, "platform"));
    expect(await refusal(mark(member, topic, firstPostOf(topic).id))).toEqual(badInput("postId"));
    expect(await refusal(mark(member, topic, elsewhere.id))).toEqual(badInput("postId"));
    expect(await refusal(mark(member, topic, UNKNOWN_ID))).toEqual(badInput("postId"));
    expect(await refusal(mark(member, topic, "nope"))).toEqual(badInput("postId"));
    expect(await refusal(mark(member, { id: "nope" }, null))).toEqual(badInput("topicId"));
    expect(await bestShown(topic)).toEqual({ answered: false, bestPostId: null, flagged: [] });
  });
});

// ---------------------------------------------------------------- notifications

describe("reply and mention notifications", () => {
  it("tell the parent post's author and the topic's author, never the actor", async () => {
    const topic = await newTopic(member, "platform");
    const top = await post(colleague, topic);
    const nested = await post(outsider, topic, top);
    const own = await post(member, topic, nested);
    const onQuestion = await post(colleague, topic, firstPostOf(topic));
    const selfReply = await post(colleague, topic, top);

    expect(await notificationsAbout(top.id)).toEqual(to("forum.reply", member));
    expect(await notificationsAbout(nested.id)).toEqual(to("forum.reply", colleague, member).sort());
    expect(await notificationsAbout(own.id)).toEqual(to("forum.reply", outsider));
    expect(await notificationsAbout(onQuestion.id)).toEqual(to("forum.reply", member));
    expect(await notificationsAbout(selfReply.id)).toEqual(to("forum.reply", member));
  });

  it("tell a mentioned user only when they can see the topic", async () => {
    const mention = (user: TestUser) => `<span data-mention="${user.userId}">@${user.email}</span>`;
    const body = `<p>${mention(colleague)} ${mention(outsider)} ${mention(admin)} and me ${mention(admin)}</p>`;

    const internal = await newTopic(member, "organization");
    const inInternal = await post(admin, internal, null, { body });
    expect(await notificationsAbout(inInternal.id)).toEqual(
      [...to("forum.mention", colleague), ...to("forum.reply", member)].sort(),
    );

    const platform = await newTopic(member, "platform");
    const inPlatform = await post(admin, platform, null, { body });
    expect(await notificationsAbout(inPlatform.id)).toEqual(
      [...to("forum.mention", colleague, outsider), ...to("forum.reply", member)].sort(),
    );

    const topicWithMention = await newTopic(admin, "organization", body);
    expect(await notificationsAbout(firstPostOf(topicWithMention).id)).toEqual(to("forum.mention", colleague));
  });

  it("tell nobody who is mentioned with an unknown id", async () => {
    const topic = await newTopic(member, "platform");
    const reply = await post(member, topic, null, { body: `<p><span data-mention="${UNKNOWN_ID}">@Ghost</span></p>` });
    expect(await notificationsAbout(reply.id)).toEqual([]);
  });
});

// ---------------------------------------------------------------- activity feed

describe("activity", () => {
  it("records every forum write for the dashboard feed, with the topic's visibility", async () => {
    const topic = await newTopic(member, "organization");
    const reply = await post(colleague, topic);
    await member.client.forums.likePost.mutate({ postId: reply.id });
    await member.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: reply.id });
    await colleague.client.forums.updatePost.mutate({ id: reply.id, body: "<p>Better answer</p>" });
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true });
    await member.client.forums.updateTopic.mutate({ id: topic.id, title: "A clearer question title" });
    await admin.client.forums.deletePost.mutate({ postId: reply.id });
    await member.client.forums.deleteTopic.mutate({ id: topic.id });

    const events = await server.deps.mongo.db
      .collection("activity")
      .find({ subjectId: topic.id })
      .sort({ _id: 1 })
      .toArray();
    expect(events.map((e) => [e.type, e.actorId])).toEqual([
      ["forum.topic.created", member.userId],
      ["forum.post.created", colleague.userId],
      ["forum.post.liked", member.userId],
      ["forum.bestAnswer.changed", member.userId],
      ["forum.post.updated", colleague.userId],
      ["forum.topic.locked", admin.userId],
      ["forum.topic.updated", member.userId],
      ["forum.post.deleted", admin.userId],
      ["forum.topic.deleted", member.userId],
    ]);
    expect(new Set(events.map((e) => e.visibility))).toEqual(new Set(["organization"]));
  });
});

// ---------------------------------------------------------------- writes that meet

describe("writes that meet on one topic", () => {
  const settled = (calls: Promise<unknown>[]) => Promise.allSettled(calls);
  const liveRowsOf = (topicId: string) =>
    server.deps.db.selectFrom("forumSearch").select("postId").where("topicId", "=", topicId).execute();

  it("a reply chosen as best answer while it is deleted never stays the best answer", async () => {
    for (let round = 0; round < 4; round++) {
      const topic = await newTopic(member, "platform");
      const reply = await post(colleague, topic);
      await settled([
        member.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: reply.id }),
        colleague.client.forums.deletePost.mutate({ postId: reply.id }),
      ]);
      expect(await topicOf(member, topic)).toMatchObject({ bestPostId: null, answered: false });
    }
  });

  it("likes that meet a reply's deletion leave no like behind", async () => {
    const topic = await newTopic(member, "platform");
    const reply = await post(colleague, topic);
    await settled([
      colleague.client.forums.deletePost.mutate({ postId: reply.id }),
      ...[admin, outsider, moderator].map((u) => u.client.forums.likePost.mutate({ postId: reply.id })),
    ]);
    expect(await topicOf(member, topic)).toMatchObject({ replyCount: 0, likeCount: 0 });
    const likes = await server.deps.db
      .selectFrom("forumPostLikes")
      .select("userId")
      .where("postId", "=", reply.id)
      .execute();
    expect(likes).toEqual([]);
  });

  /** Whether a statement like `pattern` waits for a lock (another write holds it). */
  const waitingForLock = (pattern: string) => async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where wait_event_type = 'Lock' and query like ${pattern} and pid <> pg_backend_pid()`.execute(server.deps.db);
    return rows[0]?.n;
  };
  /** What a topic holds: its live posts, its reply count, the notifications about it, its documents. */
  const heldBy = async (topic: { id: string }) => ({
    rows: (await liveRowsOf(topic.id)).length,
    documents: await server.deps.mongo.db.collection("forum_posts").countDocuments({ topicId: topic.id }),
    replies: (await topicOf(member, topic)).replyCount,
    notifications: (
      await server.deps.db
        .selectFrom("notifications")
        .select("id")
        .where(sql<string>`data->>'topicId'`, "=", topic.id)
        .execute()
    ).length,
  });

  it("a reply that waited for its topic's lock, and found it locked or deleted meanwhile, leaves nothing", async () => {
    for (const [change, code] of [
      [sql`update forum_topics set locked = true`, "FORBIDDEN"],
      [sql`update forum_topics set deleted_at = now()`, "NOT_FOUND"],
    ] as const) {
      const topic = await newTopic(member, "platform");
      await post(colleague, topic);
      const before = await heldBy(topic);
      let replying: Promise<string | undefined> | undefined;
      // A moderator's change under way: the topic's row is locked until it commits.
      await server.deps.db.transaction().execute(async (trx) => {
        await sql`${change} where id = ${topic.id}`.execute(trx);
        replying = codeOf(post(outsider, topic));
        await waitFor(waitingForLock("%update forum_topics%"));
      });
      expect(await replying).toBe(code);
      await sql`update forum_topics set locked = false, deleted_at = null where id = ${topic.id}`.execute(
        server.deps.db,
      );
      expect(await heldBy(topic)).toEqual(before);
    }
  });

  it("a reply to a post deleted while it waited is refused, naming parentId, and leaves nothing", async () => {
    const topic = await newTopic(member, "platform");
    const answered = await post(colleague, topic);
    const before = await heldBy(topic);
    let replying: ReturnType<typeof refusal> | undefined;
    // A deletion under way, as deletePost does it: the topic's lock first, then the post goes.
    await server.deps.db.transaction().execute(async (trx) => {
      await sql`select id from forum_topics where id = ${topic.id} for update`.execute(trx);
      replying = refusal(post(outsider, topic, answered));
      await waitFor(waitingForLock("%for update%"));
      await sql`delete from forum_search where post_id = ${answered.id}`.execute(trx);
    });
    expect(await replying).toEqual(badInput("parentId"));
    expect(await heldBy(topic)).toEqual({ ...before, rows: before.rows - 1 });
  });

  it("a like that waited for its post's deletion finds the post gone and leaves nothing", async () => {
    const topic = await newTopic(member, "platform");
    const reply = await post(colleague, topic);
    let liking: Promise<string | undefined> | undefined;
    // A deletion under way, as deletePost does it: the topic's lock first, then the post goes.
    await server.deps.db.transaction().execute(async (trx) => {
      await sql`select id from forum_topics where id = ${topic.id} for update`.execute(trx);
      liking = codeOf(outsider.client.forums.likePost.mutate({ postId: reply.id }));
      await waitFor(waitingForLock("%for update%"));
      await sql`delete from forum_search where post_id = ${reply.id}`.execute(trx);
    });
    expect(await liking).toBe("NOT_FOUND");
    const likes = await server.deps.db.selectFrom("forumPostLikes").select("userId").where("postId", "=", reply.id);
    expect(await likes.execute()).toEqual([]);
    expect((await topicOf(member, topic)).likeCount).toBe(0);
  });

  it("replies that meet the topic's deletion are refused or go with it", async () => {
    const topic = await newTopic(member, "platform");
    const replies = await settled([
      ...Array.from({ length: 6 }, () => post(colleague, topic)),
      member.client.forums.deleteTopic.mutate({ id: topic.id }),
    ]);
    for (const r of replies.filter((x) => x.status === "rejected"))
      expect(await codeOf(Promise.reject((r as PromiseRejectedResult).reason))).toBe("NOT_FOUND");
    expect(await liveRowsOf(topic.id)).toEqual([]);
  });

  it("the same best answer, pin, lock or deletion asked five times at once tells the author once", async () => {
    const title = `Moderated at once ${Date.now()}`;
    const topic = await member.client.forums.createTopic.mutate({
      title,
      categoryId,
      body: "<p>Question</p>",
      visibility: "organization",
    });
    const reply = await post(colleague, topic);
    const five = (call: () => Promise<unknown>) => Promise.all(Array.from({ length: 5 }, call));
    await five(() => member.client.forums.markBestAnswer.mutate({ topicId: topic.id, postId: reply.id }));
    await five(() => admin.client.forums.pinTopic.mutate({ id: topic.id, pinned: true }));
    await five(() => admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true }));
    await five(() => admin.client.forums.deleteTopic.mutate({ id: topic.id }));
    const rows = await server.deps.db
      .selectFrom("notifications")
      .select(["type", "userId", sql<string>`data->>'action'`.as("action")])
      .where(sql<string>`data->>'topicId'`, "=", topic.id)
      .execute();
    const moderation = await server.deps.db
      .selectFrom("notifications")
      .select(sql<string>`data->>'action'`.as("action"))
      .where("type", "=", "forum.moderation")
      .where("userId", "=", member.userId)
      .where(sql<string>`data->>'title'`, "=", title)
      .execute();
    expect(rows.filter((r) => r.type === "forum.bestAnswer")).toHaveLength(1);
    expect(moderation.map((m) => m.action).sort()).toEqual(["deleted", "locked", "pinned"]);
  });
});
