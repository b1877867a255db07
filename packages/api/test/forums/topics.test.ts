import type { RouterInputs } from "@p2p/client";
import {
  addMember,
  countRows,
  failure,
  signUpAdmin,
  signUpCast,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topicListsChanged } from "../../src/modules/forums/topic-lists";

type NewTopic = RouterInputs["forums"]["createTopic"];
type Sort = NonNullable<RouterInputs["forums"]["listTopics"]["sort"]>;

let server: TestServer;
/** Acme: an admin and two plain members. */
let admin: TestUser;
let member: TestUser;
let colleague: TestUser;
/** The admin of another organization: sees platform topics only. */
let outsider: TestUser;
/** A platform moderator from a third organization. */
let moderator: TestUser;
let categories: { id: string; slug: string; topicCount: number }[];

beforeAll(async () => {
  server = await startTestServer();
  ({ admin, member, colleague, outsider, moderator } = await signUpCast(server));
  categories = await admin.client.forums.listCategories.query();
});
afterAll(() => server?.close());

// ---------------------------------------------------------------- helpers

function categoryId(slug: string) {
  const category = categories.find((c) => c.slug === slug);
  if (!category) throw new Error(`no category ${slug}`);
  return category.id;
}

let titles = 0;
const newTopic = (user: TestUser, input: Partial<NewTopic> = {}) =>
  user.client.forums.createTopic.mutate({
    title: `Topic number ${++titles}`,
    categoryId: categoryId("maintenance"),
    body: "<p>How do you schedule bearing greasing?</p>",
    visibility: "organization",
    ...input,
  });

/** What the stores hold, to show a rejected call wrote nothing. */
async function stored() {
  const count = (table: "forumTopics" | "forumSearch") => countRows(server, table);
  return {
    topics: await count("forumTopics"),
    search: await count("forumSearch"),
    posts: await server.deps.mongo.db.collection("forum_posts").countDocuments(),
    activity: await server.deps.mongo.db.collection("activity").countDocuments(),
  };
}

/** Topic ids as `user` lists them, in order (one page). */
const listed = async (user: TestUser, input: RouterInputs["forums"]["listTopics"] = {}) =>
  (await user.client.forums.listTopics.query({ limit: 100, ...input })).items.map((t) => t.id);

/** How a call is refused: its app error code and the distinct input fields it names. */
async function refusal(call: Promise<unknown>) {
  const { appCode, fields } = await failure(call);
  return { appCode, fields: [...new Set(fields)] };
}
const badInput = (...fields: string[]) => ({ appCode: "BAD_REQUEST", fields });

/** A cursor as the server encodes one, around any key: how a client could forge it. */
const cursorOf = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString("base64url");

/** The app error code a call fails with. */
const codeOf = async (call: Promise<unknown>) => (await failure(call)).appCode;

const anonymous = () => server.client();
/** A caller without credentials, shaped like a test user for helpers that take one. */
const anonymousUser = () => ({ client: anonymous() }) as TestUser;

// ---------------------------------------------------------------- categories

describe("forums.listCategories", () => {
  it("lists the seven categories in order, counting only topics the caller may see", async () => {
    const before = await outsider.client.forums.listCategories.query();
    expect(before.map((c) => c.slug)).toEqual([
      "automation",
      "quality",
      "maintenance",
      "energy",
      "safety",
      "supply-chain",
      "digital-transformation",
    ]);
    const countOf = (list: typeof before, slug: string) => list.find((c) => c.slug === slug)?.topicCount;
    const mine = await member.client.forums.listCategories.query();

    await newTopic(member, { categoryId: categoryId("safety"), visibility: "organization" });
    await newTopic(member, { categoryId: categoryId("safety"), visibility: "platform" });
    const deleted = await newTopic(member, { categoryId: categoryId("safety"), visibility: "platform" });
    await member.client.forums.deleteTopic.mutate({ id: deleted.id });

    expect(countOf(await member.client.forums.listCategories.query(), "safety")).toBe(
      (countOf(mine, "safety") ?? 0) + 2,
    );
    expect(countOf(await outsider.client.forums.listCategories.query(), "safety")).toBe(
      (countOf(before, "safety") ?? 0) + 1,
    );
  });

  it("needs a signed-in caller", async () => {
    expect(await codeOf(anonymous().forums.listCategories.query())).toBe("UNAUTHORIZED");
  });
});

// ---------------------------------------------------------------- createTopic

describe("forums.createTopic", () => {
  it("creates a topic with its first post, a search document and an activity event", async () => {
    const topic = await newTopic(member, {
      title: "  Grease intervals for conveyor bearings  ",
      categoryId: categoryId("maintenance"),
      body: "<p>We grease <b>weekly</b>.</p>",
      tags: ["Bearings", "conveyors", "bearings"],
      visibility: "platform",
    });
    expect(topic).toMatchObject({
      title: "Grease intervals for conveyor bearings",
      category: { id: categoryId("maintenance"), slug: "maintenance", name: "Maintenance" },
      author: { id: member.userId, firstName: "Max", organization: { id: admin.organizationId } },
      visibility: "platform",
      tags: ["bearings", "conveyors"],
      pinned: false,
      locked: false,
      answered: false,
      replyCount: 0,
      viewCount: 0,
      likeCount: 0,
      bestPostId: null,
      can: { edit: true, moderate: false, reply: true, markBestAnswer: true },
    });
    expect(topic.posts.items).toHaveLength(1);
    expect(topic.posts.items[0]).toMatchObject({
      parentId: null,
      depth: 0,
      bodyHtml: "<p>We grease <b>weekly</b>.</p>",
      author: { id: member.userId },
      deleted: false,
    });

    // Others find it: in lists, by id and in search.
    expect(await listed(outsider, { authorId: member.userId })).toContain(topic.id);
    expect((await outsider.client.forums.getTopic.query({ id: topic.id })).title).toBe(topic.title);
    const hits = await outsider.client.forums.search.query({ q: "grease weekly" });
    expect(hits.items.map((h) => h.topic.id)).toContain(topic.id);

    const events = await server.deps.mongo.db.collection("activity").find({ subjectId: topic.id }).toArray();
    expect(events).toMatchObject([
      { type: "forum.topic.created", actorId: member.userId, organizationId: admin.organizationId },
    ]);
  });

  it.each<[string, Partial<NewTopic>]>([
    ["title", { title: "Hey" }],
    ["title", { title: "   " }],
    ["title", { title: "x".repeat(201) }],
    ["categoryId", { categoryId: "not-a-uuid" }],
    ["categoryId", { categoryId: "0190a4a0-0000-7000-8000-000000000000" }],
    ["body", { body: "" }],
    ["body", { body: "<script>alert(1)</script>" }],
    ["body", { body: "<p>  </p><br>" }],
    ["tags.0", { tags: ["no spaces"] }],
    ["tags", { tags: ["a", "b", "c", "d", "e", "f"] }],
    ["visibility", { visibility: "everyone" as NewTopic["visibility"] }],
    ["attachmentIds", { attachmentIds: ["0190a4a0-0000-7000-8000-000000000000"] }],
  ])("rejects a bad %s and writes nothing", async (field, input) => {
    const before = await stored();
    expect(await refusal(newTopic(member, input))).toEqual(badInput(field));
    expect(await stored()).toEqual(before);
  });

  it("needs a signed-in caller", async () => {
    const before = await stored();
    const call = anonymous().forums.createTopic.mutate({
      title: "Anonymous question",
      categoryId: categoryId("energy"),
      body: "<p>hello</p>",
      visibility: "platform",
    });
    expect(await codeOf(call)).toBe("UNAUTHORIZED");
    expect(await stored()).toEqual(before);
  });
});

// ---------------------------------------------------------------- listTopics

describe("forums.listTopics", () => {
  /** A fresh organization whose four topics differ in every way the list can filter and sort by. */
  let board: {
    admin: TestUser;
    asker: TestUser;
    helper: TestUser;
    t1: string;
    t2: string;
    t3: string;
    t4: string;
  };
  const firstPostOf = async (user: TestUser, id: string) => {
    const post = (await user.client.forums.getTopic.query({ id })).posts.items[0];
    if (!post) throw new Error("no first post");
    return post.id;
  };

  beforeAll(async () => {
    const boss = await signUpAdmin(server);
    const [asker, helper] = await Promise.all([addMember(server, boss), addMember(server, boss)]);
    const create = (user: TestUser, categorySlug: string, tags: string[], visibility: NewTopic["visibility"]) =>
      newTopic(user, { categoryId: categoryId(categorySlug), tags, visibility }).then((t) => t.id);
    // Created one after another: t1 is the oldest.
    const t1 = await create(asker, "maintenance", ["pumps"], "platform");
    const t2 = await create(asker, "energy", ["pumps", "solar"], "organization");
    const t3 = await create(boss, "maintenance", ["solar"], "organization");
    const t4 = await create(asker, "maintenance", [], "organization");

    // t1: two replies, one of them the best answer. t2: two likes. t3: one like and one reply. t4: one like, pinned.
    const answer = await boss.client.forums.createPost.mutate({ topicId: t1, body: "<p>Check the seals</p>" });
    await helper.client.forums.createPost.mutate({ topicId: t1, body: "<p>And the impeller</p>" });
    await asker.client.forums.markBestAnswer.mutate({ topicId: t1, postId: answer.id });
    const t2First = await firstPostOf(asker, t2);
    await boss.client.forums.likePost.mutate({ postId: t2First });
    await helper.client.forums.likePost.mutate({ postId: t2First });
    await boss.client.forums.likePost.mutate({ postId: await firstPostOf(asker, t4) });
    await asker.client.forums.likePost.mutate({ postId: await firstPostOf(asker, t3) });
    await boss.client.forums.pinTopic.mutate({ id: t4, pinned: true });
    // About time itself: "active" sorts by last-activity timestamps (millisecond precision), so t3's
    // reply must carry a later one than the activity before it.
    await new Promise((r) => setTimeout(r, 5));
    await helper.client.forums.createPost.mutate({ topicId: t3, body: "<p>Latest activity</p>" });
    board = { admin: boss, asker, helper, t1, t2, t3, t4 };
  });

  const inBoard = (input: RouterInputs["forums"]["listTopics"] = {}) =>
    listed(board.helper, { organizationId: board.admin.organizationId, ...input });

  it.each<[Sort, (b: typeof board) => string[]]>([
    ["latest", (b) => [b.t4, b.t3, b.t2, b.t1]],
    ["active", (b) => [b.t4, b.t3, b.t1, b.t2]],
    ["top", (b) => [b.t4, b.t2, b.t3, b.t1]],
    ["unanswered", (b) => [b.t4, b.t3, b.t2]],
  ])("sorts by %s with pinned topics first", async (sort, expected) => {
    expect(await inBoard({ sort })).toEqual(expected(board));
  });

  it("sorts by activity by default", async () => {
    expect(await inBoard()).toEqual(await inBoard({ sort: "active" }));
  });

  it("shows counters and flags as a reader sees them", async () => {
    const { items } = await board.helper.client.forums.listTopics.query({
      organizationId: board.admin.organizationId,
      sort: "latest",
    });
    const byId = new Map(items.map((t) => [t.id, t]));
    expect(byId.get(board.t1)).toMatchObject({ answered: true, replyCount: 2, likeCount: 0, pinned: false });
    expect(byId.get(board.t2)).toMatchObject({ answered: false, replyCount: 0, likeCount: 2 });
    expect(byId.get(board.t3)).toMatchObject({ replyCount: 1, likeCount: 1, author: { id: board.admin.userId } });
    expect(byId.get(board.t4)).toMatchObject({ pinned: true, likeCount: 1, tags: [] });
  });

  it.each<[string, (b: typeof board) => RouterInputs["forums"]["listTopics"], (b: typeof board) => string[]]>([
    ["category", () => ({ categoryId: categoryId("maintenance") }), (b) => [b.t4, b.t3, b.t1]],
    ["tag (any case)", () => ({ tag: "PUMPS" }), (b) => [b.t2, b.t1]],
    ["answered", () => ({ answered: true }), (b) => [b.t1]],
    ["unanswered", () => ({ answered: false }), (b) => [b.t4, b.t3, b.t2]],
    ["author", (b) => ({ authorId: b.admin.userId }), (b) => [b.t3]],
    ["category and tag", () => ({ categoryId: categoryId("energy"), tag: "solar" }), (b) => [b.t2]],
  ])("filters by %s", async (_, filter, expected) => {
    expect(await inBoard({ ...filter(board), sort: "latest" })).toEqual(expected(board));
  });

  it("shows another organization only its platform topics", async () => {
    const all = await listed(outsider, { sort: "latest" });
    expect(all).toContain(board.t1);
    expect(all).not.toContain(board.t2);
    for (const sort of ["latest", "active", "top", "unanswered"] as const) {
      expect(await listed(outsider, { organizationId: board.admin.organizationId, sort })).toEqual(
        sort === "unanswered" ? [] : [board.t1],
      );
    }
    expect(await listed(outsider, { tag: "solar" })).not.toContain(board.t2);
  });

  /** Every topic of a listing, fetched `limit` at a time by following nextCursor. */
  async function pageThrough(user: TestUser, input: RouterInputs["forums"]["listTopics"], limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await user.client.forums.listTopics.query({
        ...input,
        limit,
        cursor,
      });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  }

  it.each<Sort>(["latest", "active", "top", "unanswered"])("pages through %s with a cursor, in order", async (sort) => {
    const input = { organizationId: board.admin.organizationId, sort };
    expect(await pageThrough(board.helper, input, 1)).toEqual(await inBoard({ sort }));
  });

  it("pages through topics created at the same moment, each exactly once", async () => {
    const org = await signUpAdmin(server);
    const created = (await Promise.all(Array.from({ length: 12 }, () => newTopic(org)))).map((t) => t.id);
    const pages = (sort: Sort) => pageThrough(org, { organizationId: org.organizationId, sort }, 5);

    // The stored times are exactly what a cursor carries (milliseconds): a finer stored time made
    // the cursor skip topics created within the same millisecond.
    const exact = await server.deps.db
      .selectFrom("forumTopics")
      .select(sql<boolean>`bool_and(created_at = date_trunc('milliseconds', created_at))`.as("ok"))
      .where("id", "in", created)
      .executeTakeFirstOrThrow();
    expect(exact.ok).toBe(true);
    for (const sort of ["latest", "active"] as const) expect((await pages(sort)).sort()).toEqual([...created].sort());

    // All in one millisecond: the id breaks the tie, pages still neither skip nor repeat.
    const instant = new Date("2030-01-01T00:00:00.123Z");
    await server.deps.db
      .updateTable("forumTopics")
      .set({ lastActivityAt: instant })
      .where("id", "in", created)
      .execute();
    await sql`update forum_topics set created_at = ${instant} where id in (${sql.join(created)})`.execute(
      server.deps.db,
    );
    // Written behind the service's back: tell the nodes' list caches, as the service does.
    await topicListsChanged(server.deps);
    const newestId = [...created].sort().reverse();
    expect(await pages("latest")).toEqual(newestId);
    expect(await pages("active")).toEqual(newestId);
  });

  it("is current on every node: a change made through one node shows in the next list on another", async () => {
    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const boss = await signUpAdmin(server);
      const reader = await addMember(server, boss);
      const onB = nodeB.client({ token: reader.token });
      const listOnB = async () =>
        (await onB.forums.listTopics.query({ organizationId: boss.organizationId, sort: "latest" })).items;
      expect(await listOnB()).toEqual([]); // now cached on node B

      const topic = await newTopic(boss, { visibility: "organization" });
      expect((await listOnB()).map((t) => t.id)).toEqual([topic.id]);

      await reader.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Grease monthly</p>" });
      expect((await listOnB())[0]).toMatchObject({ replyCount: 1 });
      const firstPost = (await boss.client.forums.getTopic.query({ id: topic.id })).posts.items[0];
      expect((await listOnB())[0]).toMatchObject({ viewCount: 1 });
      await reader.client.forums.likePost.mutate({ postId: firstPost?.id as string });
      expect((await listOnB())[0]).toMatchObject({ likeCount: 1 });
      await boss.client.forums.pinTopic.mutate({ id: topic.id, pinned: true });
      expect((await listOnB())[0]).toMatchObject({ pinned: true });
      await boss.client.forums.updateTopic.mutate({ id: topic.id, title: "Greasing intervals, revisited" });
      expect((await listOnB())[0]).toMatchObject({ title: "Greasing intervals, revisited" });

      // The author as shown: their profile and their organization's name.
      await boss.client.users.updateMe.mutate({ title: "Maintenance lead" });
      expect((await listOnB())[0]?.author).toMatchObject({ title: "Maintenance lead" });
      await boss.client.organizations.update.mutate({ name: "Renamed Works" });
      expect((await listOnB())[0]?.author.organization).toMatchObject({ name: "Renamed Works" });

      await boss.client.forums.deleteTopic.mutate({ id: topic.id });
      expect(await listOnB()).toEqual([]);
    } finally {
      await nodeB.close();
    }
  });

  it("leaves deleted topics out", async () => {
    const topic = await newTopic(member);
    expect(await listed(colleague, { sort: "latest" })).toContain(topic.id);
    await member.client.forums.deleteTopic.mutate({ id: topic.id });
    expect(await listed(colleague, { sort: "latest" })).not.toContain(topic.id);
  });

  it.each<[string, Record<string, unknown>]>([
    ["limit", { limit: 0 }],
    ["limit", { limit: 101 }],
    ["cursor", { cursor: "not-a-cursor" }],
    ["cursor", { cursor: cursorOf(["x"]) }],
    ["cursor", { sort: "latest", cursor: cursorOf([false, "yesterday", "not-an-id"]) }],
    ["cursor", { sort: "latest", cursor: cursorOf([false, 3, 1, "0190a4a0-0000-7000-8000-000000000000"]) }],
    [
      "cursor",
      { sort: "top", cursor: cursorOf([false, "2024-01-01T00:00:00.000Z", "0190a4a0-0000-7000-8000-000000000000"]) },
    ],
    ["sort", { sort: "random" }],
    ["tag", { tag: "two words" }],
    ["categoryId", { categoryId: "maintenance" }],
    ["authorId", { authorId: 42 }],
    ["answered", { answered: "yes" }],
  ])("rejects a bad %s", async (field, input) => {
    const call = member.client.forums.listTopics.query(input as RouterInputs["forums"]["listTopics"]);
    expect(await refusal(call)).toEqual(badInput(field));
  });

  it("needs a signed-in caller", async () => {
    expect(await codeOf(anonymous().forums.listTopics.query({}))).toBe("UNAUTHORIZED");
  });
});

// ---------------------------------------------------------------- getTopic

describe("forums.getTopic", () => {
  it("returns the topic, its first posts and what the caller may do", async () => {
    const topic = await newTopic(member, { visibility: "organization" });
    const reply = await colleague.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Monthly</p>" });

    const seen = await colleague.client.forums.getTopic.query({ id: topic.id });
    expect(seen).toMatchObject({
      id: topic.id,
      replyCount: 1,
      can: { edit: false, moderate: false, reply: true, markBestAnswer: false },
    });
    expect(seen.posts.items.map((p) => p.id)).toEqual([topic.posts.items[0]?.id, reply.id]);
    expect((await admin.client.forums.getTopic.query({ id: topic.id })).can).toEqual({
      edit: true,
      moderate: true,
      reply: true,
      markBestAnswer: false,
    });
    expect((await member.client.forums.getTopic.query({ id: topic.id })).can).toMatchObject({
      edit: true,
      moderate: false,
      markBestAnswer: true,
    });
  });

  it("counts a view once per viewer per day", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    const views = async (user: TestUser) => (await user.client.forums.getTopic.query({ id: topic.id })).viewCount;

    expect(await views(colleague)).toBe(1);
    expect(await views(colleague)).toBe(1);
    expect(await views(outsider)).toBe(2);
    expect(await views(member)).toBe(3);
    expect(await views(outsider)).toBe(3);
    expect(
      (await colleague.client.forums.listTopics.query({ authorId: member.userId, limit: 100 })).items.find(
        (t) => t.id === topic.id,
      )?.viewCount,
    ).toBe(3);

    // The next day the same reader counts again.
    await server.deps.db
      .updateTable("forumTopicViews")
      .set({ day: "2000-01-01" })
      .where("topicId", "=", topic.id)
      .where("viewerId", "=", colleague.userId)
      .execute();
    expect(await views(colleague)).toBe(4);
  });

  it("answers NOT_FOUND for another organization's topic, a deleted topic and an unknown id", async () => {
    const internal = await newTopic(member, { visibility: "organization" });
    const gone = await newTopic(member, { visibility: "platform" });
    await member.client.forums.deleteTopic.mutate({ id: gone.id });

    expect(await codeOf(outsider.client.forums.getTopic.query({ id: internal.id }))).toBe("NOT_FOUND");
    expect(await codeOf(moderator.client.forums.getTopic.query({ id: internal.id }))).toBe("NOT_FOUND");
    expect(await codeOf(member.client.forums.getTopic.query({ id: gone.id }))).toBe("NOT_FOUND");
    expect(await codeOf(member.client.forums.getTopic.query({ id: "0190a4a0-0000-7000-8000-000000000000" }))).toBe(
      "NOT_FOUND",
    );
    // Nor are the refused reads counted as views.
    expect((await member.client.forums.getTopic.query({ id: internal.id })).viewCount).toBe(1);
  });

  it("rejects a malformed id", async () => {
    expect(await refusal(member.client.forums.getTopic.query({ id: "42" }))).toEqual(badInput("id"));
  });

  it("needs a signed-in caller", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    expect(await codeOf(anonymous().forums.getTopic.query({ id: topic.id }))).toBe("UNAUTHORIZED");
  });
});

// ---------------------------------------------------------------- updateTopic

describe("forums.updateTopic", () => {
  const titleOf = async (id: string) => (await admin.client.forums.getTopic.query({ id })).title;

  it("takes tags with combining marks (Arabic vowel signs, Hindi, accents), one tag however the accent was typed", async () => {
    const topic = await newTopic(member, { tags: ["صِيانة", "हिंदी", "e\u0301cole", "école"] });
    expect(topic.tags).toEqual(["صِيانة", "हिंदी", "école"]);
    const listed = await member.client.forums.listTopics.query({ tag: "e\u0301cole", sort: "latest" });
    expect(listed.items.map((t) => t.id)).toContain(topic.id);
  });

  it("lets the author change title, category and tags", async () => {
    const topic = await newTopic(member, { tags: ["pumps"] });
    const updated = await member.client.forums.updateTopic.mutate({
      id: topic.id,
      title: "Renamed: pump seal failures",
      categoryId: categoryId("quality"),
      tags: ["Seals", "seals", "pumps"],
    });
    expect(updated).toMatchObject({
      title: "Renamed: pump seal failures",
      category: { slug: "quality" },
      tags: ["seals", "pumps"],
    });
    expect(await colleague.client.forums.getTopic.query({ id: topic.id })).toMatchObject({
      title: updated.title,
      category: updated.category,
      tags: updated.tags,
    });
    const hits = await colleague.client.forums.search.query({ q: "renamed" });
    expect(hits.items.map((h) => h.topic.id)).toContain(topic.id);
  });

  it("changes only what is given", async () => {
    const topic = await newTopic(member, { tags: ["pumps"], categoryId: categoryId("energy") });
    await member.client.forums.updateTopic.mutate({ id: topic.id, title: "Only the title changes" });
    expect(await member.client.forums.getTopic.query({ id: topic.id })).toMatchObject({
      title: "Only the title changes",
      tags: ["pumps"],
      category: { slug: "energy" },
    });
  });

  it("lets an admin of the author's organization and a platform moderator edit", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    await admin.client.forums.updateTopic.mutate({ id: topic.id, title: "Edited by the admin" });
    expect(await titleOf(topic.id)).toBe("Edited by the admin");
    await moderator.client.forums.updateTopic.mutate({ id: topic.id, title: "Edited by a moderator" });
    expect(await titleOf(topic.id)).toBe("Edited by a moderator");
  });

  it("refuses everyone else and changes nothing", async () => {
    const platform = await newTopic(member, { visibility: "platform", title: "Stays as it is" });
    const internal = await newTopic(member, { visibility: "organization", title: "Stays as it is too" });
    const edit = (user: TestUser, id: string) =>
      codeOf(user.client.forums.updateTopic.mutate({ id, title: "Hijacked title" }));

    expect(await edit(colleague, platform.id)).toBe("FORBIDDEN");
    expect(await edit(outsider, platform.id)).toBe("FORBIDDEN");
    expect(await edit(outsider, internal.id)).toBe("NOT_FOUND");
    expect(await edit(moderator, internal.id)).toBe("NOT_FOUND");
    expect(await titleOf(platform.id)).toBe("Stays as it is");
    expect(await titleOf(internal.id)).toBe("Stays as it is too");
  });

  it.each<[string, Record<string, unknown>]>([
    ["title", { title: "Hey" }],
    ["categoryId", { categoryId: "0190a4a0-0000-7000-8000-000000000000" }],
    ["tags.0", { tags: ["not ok!"] }],
    ["tags", { tags: ["a", "b", "c", "d", "e", "f"] }],
  ])("rejects a bad %s and changes nothing", async (field, input) => {
    const topic = await newTopic(member, { title: "Original title", tags: ["pumps"] });
    const call = member.client.forums.updateTopic.mutate({ id: topic.id, ...input });
    expect(await refusal(call)).toEqual(badInput(field));
    expect(await member.client.forums.getTopic.query({ id: topic.id })).toMatchObject({
      title: "Original title",
      tags: ["pumps"],
      category: { slug: "maintenance" },
    });
  });

  it("needs a signed-in caller", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    expect(await codeOf(anonymous().forums.updateTopic.mutate({ id: topic.id, title: "Anonymous edit" }))).toBe(
      "UNAUTHORIZED",
    );
  });
});

// ---------------------------------------------------------------- deleteTopic

describe("forums.deleteTopic", () => {
  it("hides the topic everywhere but keeps its rows", async () => {
    const topic = await newTopic(member, { visibility: "platform", title: "Zebrafish conveyor noise" });
    const reply = await colleague.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Try belts</p>" });
    const countIn = async () =>
      (await outsider.client.forums.listCategories.query()).find((c) => c.slug === "maintenance")?.topicCount;
    const before = await countIn();

    expect(await member.client.forums.deleteTopic.mutate({ id: topic.id })).toEqual({ ok: true });

    expect(await listed(outsider, { sort: "latest" })).not.toContain(topic.id);
    expect(await codeOf(outsider.client.forums.getTopic.query({ id: topic.id }))).toBe("NOT_FOUND");
    expect(await codeOf(outsider.client.forums.listPosts.query({ topicId: topic.id }))).toBe("NOT_FOUND");
    expect(await codeOf(outsider.client.forums.likePost.mutate({ postId: reply.id }))).toBe("NOT_FOUND");
    expect(await codeOf(colleague.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>hi</p>" }))).toBe(
      "NOT_FOUND",
    );
    expect((await outsider.client.forums.search.query({ q: "zebrafish" })).items).toEqual([]);
    expect(await countIn()).toBe((before ?? 0) - 1);
    expect(await codeOf(member.client.forums.deleteTopic.mutate({ id: topic.id }))).toBe("NOT_FOUND");

    const row = await server.deps.db
      .selectFrom("forumTopics")
      .select("deletedAt")
      .where("id", "=", topic.id)
      .executeTakeFirst();
    expect(row?.deletedAt).toBeInstanceOf(Date);
    expect(await server.deps.mongo.db.collection("forum_posts").countDocuments({ topicId: topic.id })).toBe(2);
  });

  it("lets an admin of the author's organization and a platform moderator delete", async () => {
    const first = await newTopic(member, { visibility: "platform" });
    const second = await newTopic(member, { visibility: "platform" });
    await admin.client.forums.deleteTopic.mutate({ id: first.id });
    await moderator.client.forums.deleteTopic.mutate({ id: second.id });
    expect(await listed(member, { authorId: member.userId })).not.toContain(first.id);
    expect(await listed(member, { authorId: member.userId })).not.toContain(second.id);
  });

  it("refuses everyone else and deletes nothing", async () => {
    const platform = await newTopic(member, { visibility: "platform" });
    const internal = await newTopic(member, { visibility: "organization" });
    const remove = (user: TestUser, id: string) => codeOf(user.client.forums.deleteTopic.mutate({ id }));

    expect(await remove(colleague, platform.id)).toBe("FORBIDDEN");
    expect(await remove(outsider, platform.id)).toBe("FORBIDDEN");
    expect(await remove(outsider, internal.id)).toBe("NOT_FOUND");
    expect(await remove(anonymousUser(), platform.id)).toBe("UNAUTHORIZED");
    expect((await member.client.forums.getTopic.query({ id: platform.id })).id).toBe(platform.id);
    expect((await member.client.forums.getTopic.query({ id: internal.id })).id).toBe(internal.id);
  });

  it("rejects a malformed id", async () => {
    expect(await refusal(member.client.forums.deleteTopic.mutate({ id: "nope" }))).toEqual(badInput("id"));
  });
});

// ---------------------------------------------------------------- pinTopic and lockTopic

describe.each(["pinned", "locked"] as const)("forums.%s flag", (flag) => {
  const set = (user: TestUser, id: string, value: boolean) =>
    flag === "pinned"
      ? user.client.forums.pinTopic.mutate({ id, pinned: value })
      : user.client.forums.lockTopic.mutate({ id, locked: value });
  const flagOf = async (id: string) => (await admin.client.forums.getTopic.query({ id }))[flag];

  it("lets a platform moderator set and clear it on any visible topic", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    expect(await set(moderator, topic.id, true)).toMatchObject({ id: topic.id, [flag]: true });
    expect(await flagOf(topic.id)).toBe(true);
    expect((await moderator.client.forums.getTopic.query({ id: topic.id })).can.moderate).toBe(true);
    expect(await set(moderator, topic.id, false)).toMatchObject({ [flag]: false });
    expect(await flagOf(topic.id)).toBe(false);
  });

  it("lets an org admin set it on their organization's own topics only", async () => {
    const internal = await newTopic(member, { visibility: "organization" });
    const platform = await newTopic(member, { visibility: "platform" });
    await set(admin, internal.id, true);
    expect(await flagOf(internal.id)).toBe(true);
    expect(await codeOf(set(admin, platform.id, true))).toBe("FORBIDDEN");
    expect(await flagOf(platform.id)).toBe(false);
  });

  it("refuses plain members, the author and other organizations", async () => {
    const internal = await newTopic(member, { visibility: "organization" });
    const platform = await newTopic(member, { visibility: "platform" });
    expect(await codeOf(set(member, internal.id, true))).toBe("FORBIDDEN");
    expect(await codeOf(set(colleague, internal.id, true))).toBe("FORBIDDEN");
    expect(await codeOf(set(outsider, internal.id, true))).toBe("NOT_FOUND");
    expect(await codeOf(set(outsider, platform.id, true))).toBe("FORBIDDEN");
    expect(await codeOf(set(anonymousUser(), platform.id, true))).toBe("UNAUTHORIZED");
    expect(await flagOf(internal.id)).toBe(false);
    expect(await flagOf(platform.id)).toBe(false);
  });

  it("rejects bad input", async () => {
    const topic = await newTopic(member);
    const call =
      flag === "pinned"
        ? admin.client.forums.pinTopic.mutate({ id: topic.id, pinned: "yes" as unknown as boolean })
        : admin.client.forums.lockTopic.mutate({ id: topic.id, locked: "yes" as unknown as boolean });
    expect(await refusal(call)).toEqual(badInput(flag));
    expect(await refusal(set(admin, "nope", true))).toEqual(badInput("id"));
    expect(await flagOf(topic.id)).toBe(false);
  });
});

// ---------------------------------------------------------------- moderation in the audit log

describe("moderation in the audit log", () => {
  /** The audit entries about `targetId` in `reader`'s organization, newest first. */
  const audited = async (reader: TestUser, targetId: string) =>
    (await reader.client.audit.list.query({ limit: 100 })).items.filter((e) => e.targetId === targetId);

  it("records what an admin does to a member's topic, in the topic's organization, with who and from where", async () => {
    const topic = await newTopic(member, { visibility: "organization", title: "Audited gearbox topic" });
    await admin.client.forums.updateTopic.mutate({ id: topic.id, title: "Retitled by the admin", tags: ["gears"] });
    await admin.client.forums.pinTopic.mutate({ id: topic.id, pinned: true });
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true });
    // Locked already: nothing changes, nothing is recorded again.
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true });
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: false });
    await admin.client.forums.deleteTopic.mutate({ id: topic.id });

    const entries = await audited(admin, topic.id);
    expect(entries.map((e) => e.action)).toEqual([
      "forums.topic.deleted",
      "forums.topic.unlocked",
      "forums.topic.locked",
      "forums.topic.pinned",
      "forums.topic.updated",
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actor: { id: admin.userId }, targetType: "topic", ip: expect.any(String) });
      expect(entry.metadata.authorId).toBe(member.userId);
    }
    expect(entries.at(-1)?.metadata).toEqual({
      authorId: member.userId,
      title: "Audited gearbox topic",
      fields: ["title", "tags"],
    });
    expect(entries[0]?.metadata).toEqual({ authorId: member.userId, title: "Retitled by the admin" });
  });

  it("records a platform moderator's acts in the organization whose content it was, not the moderator's", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    const reply = await colleague.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Check the seals</p>",
    });
    await moderator.client.forums.deletePost.mutate({ postId: reply.id });
    await moderator.client.forums.pinTopic.mutate({ id: topic.id, pinned: true });

    expect(await audited(admin, reply.id)).toEqual([
      expect.objectContaining({
        action: "forums.post.deleted",
        actor: { id: moderator.userId, name: expect.any(String) },
        targetType: "post",
        metadata: { authorId: colleague.userId, topicId: topic.id, title: topic.title },
      }),
    ]);
    expect((await audited(admin, topic.id)).map((e) => [e.action, e.actor?.id])).toEqual([
      ["forums.topic.pinned", moderator.userId],
    ]);
    // The moderator is named, but their address is not given to another organization's admins.
    for (const entry of [...(await audited(admin, reply.id)), ...(await audited(admin, topic.id))]) {
      expect(entry.ip).toBeNull();
    }
    expect(await audited(moderator, reply.id)).toEqual([]);
    expect(await audited(moderator, topic.id)).toEqual([]);
  });

  it("leaves an author's own edits and deletions out (they are not moderation), but not pins", async () => {
    const topic = await newTopic(member, { visibility: "platform" });
    const reply = await member.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>My own reply</p>" });
    await member.client.forums.deletePost.mutate({ postId: reply.id });
    await member.client.forums.updateTopic.mutate({ id: topic.id, title: "Retitled by its author" });
    await member.client.forums.deleteTopic.mutate({ id: topic.id });
    expect(await audited(admin, reply.id)).toEqual([]);
    expect(await audited(admin, topic.id)).toEqual([]);

    const own = await newTopic(admin, { visibility: "organization" });
    await admin.client.forums.pinTopic.mutate({ id: own.id, pinned: true });
    expect((await audited(admin, own.id)).map((e) => e.action)).toEqual(["forums.topic.pinned"]);
  });
});

describe("a locked topic", () => {
  it("takes no new posts until it is unlocked", async () => {
    const topic = await newTopic(member, { visibility: "organization" });
    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: true });
    expect((await colleague.client.forums.getTopic.query({ id: topic.id })).can.reply).toBe(false);

    const before = await stored();
    const reply = () => colleague.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Me too</p>" });
    expect(await codeOf(reply())).toBe("FORBIDDEN");
    expect(await stored()).toEqual(before);

    await admin.client.forums.lockTopic.mutate({ id: topic.id, locked: false });
    expect((await colleague.client.forums.getTopic.query({ id: topic.id })).can.reply).toBe(true);
    await reply();
    expect((await colleague.client.forums.getTopic.query({ id: topic.id })).replyCount).toBe(1);
  });
});
