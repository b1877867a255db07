/**
 * The dashboard through @p2p/client: stats exact against data made here (and a write followed by a
 * read sees the write: the cache is invalidated, not only expired), the activity feed's scopes and
 * read-time visibility (organization-only topics never reach another organization, live or paged),
 * trending order on constructed signals, bad input and access.
 */
import type { ActivityStreamEvent } from "@p2p/schemas";
import { failure, signUpAdmin, signUpCast, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recomputeTrending } from "../src/modules/dashboard/trending";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let colleague: TestUser;
let outsider: TestUser;
let categoryId: string;
let otherCategoryId: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ admin, member, colleague, outsider } = await signUpCast(server));
  const categories = await admin.client.forums.listCategories.query();
  categoryId = (categories[0] as { id: string }).id;
  otherCategoryId = (categories[1] as { id: string }).id;
});
afterAll(() => server?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const topic = (
  user: TestUser,
  title: string,
  visibility: "platform" | "organization" = "platform",
  category = categoryId,
) => user.client.forums.createTopic.mutate({ title, body: `<p>${title}?</p>`, categoryId: category, visibility });

const reply = (user: TestUser, topicId: string, text = "Try this.") =>
  user.client.forums.createPost.mutate({ topicId, body: `<p>${text}</p>` });

const completeUseCase = (title: string) => ({
  title,
  summary: "Vision inspection caught defects early.",
  industry: "manufacturing" as const,
  technologies: ["Machine vision"],
  problem: "Scratches reached customers.",
  solution: "Cameras on the line with a trained model.",
  outcomes: { costSavingsPercent: 12 },
  location: { city: "Riyadh", country: "SA", lat: 24.71, lng: 46.68 },
});

async function publishedUseCase(user: TestUser, title: string) {
  const draft = await user.client.useCases.createDraft.mutate(completeUseCase(title));
  await user.client.useCases.publish.mutate({ id: draft.id });
  return draft.id;
}

const cacheCount = async (result: "hit" | "miss", block = '[^"]*') => {
  const metric = await server.deps.metrics.registry.getSingleMetricAsString("p2p_dashboard_cache_total");
  const line = new RegExp(`block="${block}",result="${result}"[^\\n]*\\s(\\d+)`, "g");
  return [...metric.matchAll(line)].reduce((n, m) => n + Number(m[1]), 0);
};

// ---------------------------------------------------------------- stats

describe("dashboard.stats", () => {
  it("counts exactly what was made, and a read after a write sees the write", async () => {
    const before = await member.client.dashboard.stats.query({ range: "30d" });
    expect(before.me).toMatchObject({ topics: 0, replies: 0, bestAnswers: 0, useCases: 0 });

    const asked = await topic(admin, "Which grease for kiln bearings", "organization");
    const answer = await reply(member, asked.id, "Lithium complex.");
    await reply(member, asked.id, "And check the seals.");
    await topic(member, "Member's own question");
    await admin.client.forums.markBestAnswer.mutate({ topicId: asked.id, postId: answer.id });
    await publishedUseCase(member, "Member's published case");
    await member.client.useCases.createDraft.mutate(completeUseCase("Member's draft"));

    // Read again at once: no TTL passed, the writes invalidated the cached blocks.
    const after = await member.client.dashboard.stats.query({ range: "30d" });
    expect(after.me).toMatchObject({ topics: 1, replies: 2, bestAnswers: 1, useCases: 1 });
    expect(after.organization.topics).toBe(before.organization.topics + 2);
    // Posts: two replies and the two topics' first posts.
    expect(after.organization.posts).toBe(before.organization.posts + 4);
    expect(after.organization.useCases).toBe(before.organization.useCases + 1);
    expect(after.organization.members).toBe(3);
    // The organization-only topic is not a platform topic; the member's platform one is.
    expect(after.platform.topics).toBe(before.platform.topics + 1);
    expect(after.platform.useCasesPublished).toBe(before.platform.useCasesPublished + 1);

    // The admin's view of the same organization agrees; the outsider's organization block is theirs.
    const adminView = await admin.client.dashboard.stats.query({ range: "30d" });
    expect(adminView.organization).toEqual(after.organization);
    expect(adminView.me).toMatchObject({ topics: 1, replies: 0, bestAnswers: 0 });
    const outsiderView = await outsider.client.dashboard.stats.query({ range: "30d" });
    expect(outsiderView.organization.topics).toBe(0);
    expect(outsiderView.platform).toEqual(after.platform);
  });

  it("follows deletes, unpublishing and a changed best answer", async () => {
    const q = await topic(admin, "Compressor sizing");
    const first = await reply(member, q.id, "Size for peak.");
    const second = await reply(colleague, q.id, "Size for average plus storage.");
    await admin.client.forums.markBestAnswer.mutate({ topicId: q.id, postId: first.id });
    const memberBefore = await member.client.dashboard.stats.query({ range: "all" });
    const colleagueBefore = await colleague.client.dashboard.stats.query({ range: "all" });

    // Another person (the topic's author) moves the best answer: both people's counts change.
    await admin.client.forums.markBestAnswer.mutate({ topicId: q.id, postId: second.id });
    const memberAfter = await member.client.dashboard.stats.query({ range: "all" });
    const colleagueAfter = await colleague.client.dashboard.stats.query({ range: "all" });
    expect(memberAfter.me.bestAnswers).toBe(memberBefore.me.bestAnswers - 1);
    expect(colleagueAfter.me.bestAnswers).toBe(colleagueBefore.me.bestAnswers + 1);

    // An admin deletes the member's reply: the member's replies drop.
    await admin.client.forums.deletePost.mutate({ postId: first.id });
    expect((await member.client.dashboard.stats.query({ range: "all" })).me.replies).toBe(memberAfter.me.replies - 1);

    // Deleting the topic takes its posts out of every count: the colleague's reply, the question.
    const orgBefore = (await admin.client.dashboard.stats.query({ range: "all" })).organization;
    await admin.client.forums.deleteTopic.mutate({ id: q.id });
    const afterTopic = await colleague.client.dashboard.stats.query({ range: "all" });
    expect(afterTopic.me.replies).toBe(colleagueAfter.me.replies - 1);
    expect(afterTopic.me.bestAnswers).toBe(colleagueAfter.me.bestAnswers - 1);
    expect(afterTopic.organization).toMatchObject({ topics: orgBefore.topics - 1, posts: orgBefore.posts - 2 });

    const id = await publishedUseCase(admin, "Admin's case");
    const published = await admin.client.dashboard.stats.query({ range: "7d" });
    await admin.client.useCases.unpublish.mutate({ id });
    const unpublished = await admin.client.dashboard.stats.query({ range: "7d" });
    expect(unpublished.me.useCases).toBe(published.me.useCases - 1);
    expect(unpublished.platform.useCasesPublished).toBe(published.platform.useCasesPublished - 1);
  });

  it("reads unread messages and notifications fresh", async () => {
    const before = await admin.client.dashboard.stats.query({});
    await member.client.messages.send.mutate({
      recipientId: admin.userId,
      body: "Hello",
      clientMessageId: crypto.randomUUID(),
    });
    const after = await admin.client.dashboard.stats.query({});
    expect(after.me.unreadMessages).toBe(before.me.unreadMessages + 1);
    expect(after.range).toBe("30d");
  });

  it("serves repeated reads from the cache", async () => {
    await colleague.client.dashboard.stats.query({ range: "90d" });
    const hits = await cacheCount("hit");
    const misses = await cacheCount("miss");
    for (let i = 0; i < 5; i++) await colleague.client.dashboard.stats.query({ range: "90d" });
    expect((await cacheCount("hit")) - hits).toBe(15);
    expect(await cacheCount("miss")).toBe(misses);
  });

  it("keeps the platform block cached through replies, which change no platform number", async () => {
    const q = await topic(admin, "Chiller fouling");
    await member.client.dashboard.stats.query({ range: "all" });
    const platformHits = await cacheCount("hit", "platform");
    const meMisses = await cacheCount("miss", "me");
    await reply(member, q.id, "Clean the tubes twice a year.");
    const after = await member.client.dashboard.stats.query({ range: "all" });
    expect(await cacheCount("hit", "platform")).toBe(platformHits + 1);
    expect(await cacheCount("miss", "me")).toBe(meMisses + 1);
    expect(after.me.replies).toBeGreaterThan(0);
  });

  it("refuses a bad range and anonymous callers", async () => {
    expect(await failure(admin.client.dashboard.stats.query({ range: "1y" as "7d" }))).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await failure(server.client().dashboard.stats.query({}))).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("answers over REST", async () => {
    const res = await fetch(`${server.url}/api/v1/dashboard/stats?range=7d`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ range: "7d", me: { tasks: { open: expect.any(Number) } } });
  });
});

// ---------------------------------------------------------------- activity

describe("dashboard.activity", () => {
  it("shows each scope what it may see; organization-only topics never leave their organization", async () => {
    const secret = await topic(admin, "Secret furnace retrofit", "organization");
    const open = await topic(admin, "Open question on VFDs");
    await reply(member, secret.id, "Internal detail");

    const titles = (items: { subject: { title: string } }[]) => items.map((i) => i.subject.title);
    const org = await member.client.dashboard.activity.query({ scope: "organization" });
    expect(titles(org.items)).toContain("Secret furnace retrofit");
    expect(titles(org.items)).toContain("Open question on VFDs");
    const mine = await member.client.dashboard.activity.query({ scope: "me" });
    expect(mine.items.every((i) => i.actor?.id === member.userId)).toBe(true);
    expect(mine.items[0]).toMatchObject({ type: "forum.post.created", subject: { id: secret.id } });

    for (const scope of ["platform", "organization", "me"] as const) {
      const seen = await outsider.client.dashboard.activity.query({ scope, limit: 100 });
      expect(JSON.stringify(seen)).not.toContain("Secret furnace");
      expect(seen.items.every((i) => i.subject.id !== secret.id)).toBe(true);
    }
    const platform = await outsider.client.dashboard.activity.query({ scope: "platform", limit: 100 });
    expect(platform.items.some((i) => i.subject.id === open.id)).toBe(true);

    // Made organization-only afterwards? Deleted? Hidden at read time, though recorded as public.
    await admin.client.forums.deleteTopic.mutate({ id: open.id });
    const later = await outsider.client.dashboard.activity.query({ scope: "platform", limit: 100 });
    expect(later.items.some((i) => i.subject.id === open.id)).toBe(false);
  });

  it("filters by type, pages with a cursor, and never shows drafts", async () => {
    await member.client.useCases.createDraft.mutate(completeUseCase("Hidden draft case"));
    const ucId = await publishedUseCase(member, "Public case for the feed");
    const cases = await outsider.client.dashboard.activity.query({ scope: "platform", types: ["useCase.published"] });
    expect(cases.items.map((i) => i.subject.id)).toContain(ucId);
    expect(cases.items.every((i) => i.type === "useCase.published")).toBe(true);
    expect(JSON.stringify(cases)).not.toContain("Hidden draft case");

    const first = await admin.client.dashboard.activity.query({ scope: "organization", limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.client.dashboard.activity.query({
      scope: "organization",
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.items[0]?.createdAt.getTime()).toBeLessThanOrEqual(first.items[1]?.createdAt.getTime() ?? 0);
    expect(second.items.map((i) => i.id)).not.toContain(first.items[0]?.id);
  });

  it("reaches older events past a run of hidden ones (a deleted busy topic), one page at a time", async () => {
    const writer = await signUpAdmin(server);
    const kept = await topic(writer, "Kept: compressor maintenance log");
    const busy = await topic(writer, "Deleted later: a long discussion");
    for (let i = 0; i < 24; i++) await reply(writer, busy.id);
    await writer.client.forums.deleteTopic.mutate({ id: busy.id });

    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await writer.client.dashboard.activity.query({ scope: "me", limit: 1, cursor });
      seen.push(...page.items.map((i) => i.subject.id));
      cursor = page.nextCursor;
    } while (cursor && ++pages < 20);
    expect(seen).toEqual([kept.id]);
  });

  it("refuses bad input", async () => {
    expect(await failure(admin.client.dashboard.activity.query({ scope: "world" as "me" }))).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(
      await failure(admin.client.dashboard.activity.query({ types: ["message.sent" as "forum.post.created"] })),
    ).toMatchObject({ code: "BAD_REQUEST" });
    expect(await failure(admin.client.dashboard.activity.query({ cursor: "not-a-cursor" }))).toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});

describe("dashboard.onActivity", () => {
  it("streams the organization's and the platform's events, never another organization's private ones", async () => {
    const received = {
      outsiderPlatform: [] as ActivityStreamEvent[],
      outsiderOrg: [] as ActivityStreamEvent[],
      memberOrg: [] as ActivityStreamEvent[],
      memberMe: [] as ActivityStreamEvent[],
    };
    const subs = [
      outsider.client.dashboard.onActivity.subscribe(
        { scope: "platform" },
        { onData: (e) => received.outsiderPlatform.push(e.data) },
      ),
      outsider.client.dashboard.onActivity.subscribe(
        { scope: "organization" },
        { onData: (e) => received.outsiderOrg.push(e.data) },
      ),
      member.client.dashboard.onActivity.subscribe(
        { scope: "organization" },
        { onData: (e) => received.memberOrg.push(e.data) },
      ),
      member.client.dashboard.onActivity.subscribe({ scope: "me" }, { onData: (e) => received.memberMe.push(e.data) }),
    ];
    try {
      await sleep(500);
      const secret = await topic(admin, "Live secret kiln topic", "organization");
      const open = await topic(admin, "Live open pump topic");
      await reply(member, open.id, "Live reply");
      const until = Date.now() + 5_000;
      while (Date.now() < until && (received.outsiderPlatform.length < 2 || received.memberOrg.length < 3))
        await sleep(50);

      const ids = (list: ActivityStreamEvent[]) =>
        list.flatMap((e) => (e.type === "activity" ? [e.item.subject.id] : []));
      expect(ids(received.memberOrg)).toEqual(expect.arrayContaining([secret.id, open.id]));
      expect(ids(received.outsiderPlatform)).toContain(open.id);
      expect(ids(received.outsiderPlatform)).not.toContain(secret.id);
      expect(ids(received.outsiderOrg)).toEqual([]);
      expect(JSON.stringify(received.outsiderPlatform)).not.toContain("Live secret");
      expect(received.memberMe.every((e) => e.type !== "activity" || e.item.actor?.id === member.userId)).toBe(true);
      expect(ids(received.memberMe)).toEqual([open.id]);
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  });

  it("resumes after the last event id, once", async () => {
    const got: { id: string; data: ActivityStreamEvent }[] = [];
    const sub = admin.client.dashboard.onActivity.subscribe({ scope: "organization" }, { onData: (e) => got.push(e) });
    await sleep(500);
    await topic(admin, "Resume one");
    while (got.length < 1) await sleep(50);
    sub.unsubscribe();
    const last = got[0]?.id as string;
    await topic(admin, "Resume two");
    await topic(admin, "Resume three");
    const again: ActivityStreamEvent[] = [];
    const resumed = admin.client.dashboard.onActivity.subscribe(
      { scope: "organization", lastEventId: last },
      { onData: (e) => again.push(e.data) },
    );
    const until = Date.now() + 5_000;
    while (Date.now() < until && again.length < 2) await sleep(50);
    resumed.unsubscribe();
    expect(again.map((e) => (e.type === "activity" ? e.item.subject.title : e.type))).toEqual([
      "Resume two",
      "Resume three",
    ]);
  });
});

// ---------------------------------------------------------------- trending

describe("dashboard.trending", () => {
  it("orders by the decayed score and respects visibility", async () => {
    const hot = await topic(admin, "Hot topic today", "platform", otherCategoryId);
    const old = await topic(admin, "Busy last week", "platform", otherCategoryId);
    const secret = await topic(admin, "Private but busy", "organization", otherCategoryId);
    // Recent activity: replies and a like on "hot"; the same amount, six days ago, on "old".
    for (const t of [hot, old, secret]) {
      const r = await reply(member, t.id, "A reply");
      await reply(colleague, t.id, "Another");
      await outsider.client.forums.likePost.mutate({ postId: r.id }).catch(() => undefined);
    }
    await sql`update forum_search set created_at = now() - interval '6 days' where topic_id = ${old.id}`.execute(
      server.deps.db,
    );
    await sql`update forum_post_likes set created_at = now() - interval '6 days' where topic_id = ${old.id}`.execute(
      server.deps.db,
    );
    await recomputeTrending(server.deps);

    const mine = await member.client.dashboard.trending.query({
      kind: "topics",
      window: "7d",
      categoryId: otherCategoryId,
    });
    const order = mine.items.map((i) => i.id);
    expect(order.indexOf(hot.id)).toBeLessThan(order.indexOf(old.id));
    expect(order).toContain(secret.id);
    const hotItem = mine.items.find((i) => i.id === hot.id);
    expect(hotItem).toMatchObject({ replies: 2, kind: "topic", title: "Hot topic today" });

    const theirs = await outsider.client.dashboard.trending.query({
      kind: "topics",
      window: "7d",
      categoryId: otherCategoryId,
    });
    expect(theirs.items.map((i) => i.id)).not.toContain(secret.id);
    expect(JSON.stringify(theirs)).not.toContain("Private but busy");
    // Within 24 hours, last week's activity is gone.
    const today = await member.client.dashboard.trending.query({
      kind: "topics",
      window: "24h",
      categoryId: otherCategoryId,
    });
    expect(today.items.map((i) => i.id)).not.toContain(old.id);
  });

  it("ranks use cases by recent views, and useCases.list sorts by the same score", async () => {
    const a = await publishedUseCase(admin, "Trending case A");
    const b = await publishedUseCase(admin, "Trending case B");
    await sql`insert into dashboard_daily_views (kind, subject_id, day, views) values
      ('useCases', ${a}, current_date - 5, 40), ('useCases', ${b}, current_date, 10)`.execute(server.deps.db);
    await recomputeTrending(server.deps);
    const ranked = await outsider.client.dashboard.trending.query({
      kind: "useCases",
      window: "7d",
      industry: "manufacturing",
    });
    const ids = ranked.items.map((i) => i.id);
    // 10 views today outweigh 40 five days ago (half-life 42 h: 40 · 2^(-108/42) ≈ 6.8).
    expect(ids.indexOf(b)).toBeLessThan(ids.indexOf(a));
    const listed = await outsider.client.useCases.list.query({ sort: "trending", limit: 2 });
    expect(listed.items.map((i) => i.id)).toEqual([b, a]);
    const next = await outsider.client.useCases.list.query({ sort: "trending", limit: 2, cursor: listed.nextCursor });
    expect(next.items.map((i) => i.id)).not.toContain(a);

    await admin.client.useCases.unpublish.mutate({ id: b });
    const after = await outsider.client.dashboard.trending.query({ kind: "useCases", window: "7d" });
    expect(after.items.map((i) => i.id)).not.toContain(b);
  });

  it("refuses bad input", async () => {
    expect(await failure(admin.client.dashboard.trending.query({ window: "1y" as "7d" }))).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await failure(admin.client.dashboard.trending.query({ categoryId: "nope" }))).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await failure(admin.client.dashboard.trending.query({ limit: 1000 }))).toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
