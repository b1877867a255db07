/**
 * search.global through @p2p/client: one ranked list over people, organizations, forum topics and
 * posts, use cases and the caller's tasks, with counts per type, escaped snippets, English and
 * Arabic, and nothing the caller may not see.
 */
import type { GlobalSearchResult } from "@p2p/schemas";
import {
  addMember,
  failure,
  lastMail,
  signUpAdmin,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  type TestUser,
} from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Result = GlobalSearchResult;

let server: TestServer;
let adminA: TestUser;
let memberA: TestUser;
let adminB: TestUser;
let memberB: TestUser;
let categoryId: string;
const ids: Record<string, string> = {};

const useCase = (title: string, summary: string) => ({
  title,
  summary,
  industry: "manufacturing" as const,
  technologies: ["Vibration sensors"],
  problem: "Bearings failed without warning.",
  solution: "Sensors on every pump with alerts.",
  outcomes: { costSavingsPercent: 9 },
  location: { city: "Jubail", country: "SA", lat: 27.01, lng: 49.66 },
});

const topic = (user: TestUser, title: string, body: string, visibility: "platform" | "organization" = "platform") =>
  user.client.forums.createTopic.mutate({ title, categoryId, body: `<p>${body}</p>`, visibility });

/** Every page of a search, following the cursor. */
async function allPages(user: TestUser, input: { q: string; types?: Result["items"][number]["type"][] }, limit = 5) {
  const items: Result["items"] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Result = await user.client.search.global.query({ ...input, limit, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { items, pages };
}

beforeAll(async () => {
  server = await startTestServer();
  adminA = await signUpAdmin(server, {
    firstName: "Rania",
    lastName: "Kestrel",
    organization: { name: "Kestrel Pumps Arabia" },
  });
  memberA = await addMember(server, adminA);
  adminB = await signUpAdmin(server, { firstName: "Omar", lastName: "Faris" });
  memberB = await addMember(server, adminB);
  await memberA.client.users.updateMe.mutate({ title: "Centrifugal pump engineer" });
  const [category] = await adminA.client.forums.listCategories.query();
  if (!category) throw new Error("no forum category");
  categoryId = category.id;

  const platform = await topic(adminA, "Centrifugal pump cavitation at low flow", "Impeller damage after a month.");
  ids.platformTopic = platform.id;
  const other = await topic(adminB, "Gearbox oil change intervals", "What interval do you use?");
  const reply = await memberB.client.forums.createPost.mutate({
    topicId: other.id,
    body: "<p>Our centrifugal separators clean the oil between changes.</p>",
  });
  ids.reply = reply.id;
  ids.replyTopic = other.id;
  const internal = await topic(
    adminA,
    "Centrifugal orgonlysecret retrofit plan",
    "Budget for our plant.",
    "organization",
  );
  ids.internalTopic = internal.id;
  const script = await topic(adminA, "<script>alert(1)</script> centrifugal seal", "Escaping check & more.");
  ids.scriptTopic = script.id;
  const arabic = await topic(adminA, "مضخة الطرد المركزي تتوقف فجأة", "توقفت المضخة بعد ساعة من التشغيل.");
  ids.arabicTopic = arabic.id;

  const draftB = await adminB.client.useCases.createDraft.mutate(
    useCase("Centrifugal draftsecret compressor", "Not published yet."),
  );
  ids.draftB = draftB.id;
  const draftA = await adminA.client.useCases.createDraft.mutate(
    useCase("Centrifugal mydraft blower", "Our own draft about centrifugal blowers."),
  );
  ids.draftA = draftA.id;
  const published = await adminA.client.useCases.createDraft.mutate(
    useCase("Centrifugal pump monitoring", "Vibration sensors on centrifugal pumps cut downtime."),
  );
  await adminA.client.useCases.publish.mutate({ id: published.id });
  ids.published = published.id;

  const task = await memberA.client.tasks.create.mutate({
    title: "Inspect centrifugal tasksecret pump",
    description: "Check the mechanical seal.",
  });
  ids.task = task.id;
}, 120_000);
afterAll(async () => {
  await server?.close();
});

const idsOf = (result: { items: Result["items"] }) => result.items.map((i) => `${i.type}:${i.id}`);

describe("search.global", () => {
  it("finds a person by their exact name among more than a hundred whose names only start with it", async () => {
    await sql`insert into users (id, organization_id, email, first_name, last_name, role)
      select gen_random_uuid(), ${adminA.organizationId}, 'zayd.alim' || g || '@example.com', 'Zayd', 'Alim' || lpad(g::text, 3, '0'), 'member'
      from generate_series(1, 110) g`.execute(server.deps.db);
    await sql`insert into users (id, organization_id, email, first_name, last_name, role)
      values (gen_random_uuid(), ${adminA.organizationId}, 'zayd.ali@example.com', 'Zayd', 'Ali', 'member')`.execute(
      server.deps.db,
    );
    const { items, counts } = await memberA.client.search.global.query({ q: "Zayd Ali", types: ["people"] });
    expect(items[0]?.title).toBe("<mark>Zayd</mark> <mark>Ali</mark>");
    expect(counts).toEqual([{ type: "people", count: 100, more: true }]);
  });

  it("marks the query's words where words start, and never cuts a character in half", async () => {
    const task = await memberA.client.tasks.create.mutate({
      title: "Khalid checks the marktest valve",
      description: `${"😀".repeat(60)} marktest ${"😀".repeat(150)}`,
    });
    const { items } = await memberA.client.search.global.query({ q: "marktest or al", types: ["tasks"] });
    const hit = items.find((i) => i.id === task.id);
    expect(hit?.title).toBe("Khalid checks the <mark>marktest</mark> valve");
    expect(hit?.snippet).toContain("<mark>marktest</mark>");
    expect(hit?.snippet).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it("answers one ranked list across types with counts per type", async () => {
    const result = await memberA.client.search.global.query({ q: "centrifugal", limit: 50 });
    const found = idsOf(result);
    expect(found).toEqual(
      expect.arrayContaining([
        `people:${memberA.userId}`,
        `topics:${ids.platformTopic}`,
        `topics:${ids.internalTopic}`,
        `posts:${ids.reply}`,
        `useCases:${ids.published}`,
        `tasks:${ids.task}`,
      ]),
    );
    // Ordered by score, best first; every type's best result within the first few.
    const scores = result.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(new Set(result.items.slice(0, 5).map((i) => i.type)).size).toBeGreaterThanOrEqual(4);
    const count = (type: string) => result.counts.find((c) => c.type === type);
    expect(count("people")).toEqual({ type: "people", count: 1, more: false });
    expect(count("tasks")).toEqual({ type: "tasks", count: 1, more: false });
    expect(count("posts")).toMatchObject({ count: 1 });
    expect(count("topics")?.count).toBe(3);
    expect(count("useCases")?.count).toBe(1);
    expect(result.counts.reduce((n, c) => n + c.count, 0)).toBe(result.items.length);
    const hit = result.items.find((i) => i.id === ids.platformTopic);
    expect(hit).toMatchObject({ topicId: ids.platformTopic, at: expect.any(Date) });
    expect(hit?.title).toBe("<mark>Centrifugal</mark> pump cavitation at low flow");
    const post = result.items.find((i) => i.id === ids.reply);
    expect(post?.topicId).toBe(ids.replyTopic);
    expect(post?.snippet).toContain("<mark>centrifugal</mark> separators");
    const person = result.items.find((i) => i.type === "people");
    expect(person?.snippet).toContain("<mark>Centrifugal</mark> pump engineer");
  });

  it("finds organizations by name and people by their organization", async () => {
    const result = await memberB.client.search.global.query({ q: "kestrel" });
    expect(result.items.find((i) => i.type === "organizations")).toMatchObject({
      id: adminA.organizationId,
      title: "<mark>Kestrel</mark> Pumps Arabia",
    });
    expect(idsOf(result)).toContain(`people:${adminA.userId}`);
    // The organization (its name is the query's start) ranks above a person found by surname.
    expect(result.items[0]?.type).toBe("organizations");
  });

  it("limits the search to the types asked for", async () => {
    const result = await memberA.client.search.global.query({ q: "centrifugal", types: ["tasks", "posts"] });
    expect(new Set(result.items.map((i) => i.type))).toEqual(new Set(["tasks", "posts"]));
    expect(result.counts.map((c) => c.type).sort()).toEqual(["posts", "tasks"]);
  });

  it("never shows what the caller may not see", async () => {
    // B's member: not A's organization-only topic, not B's admin's draft, not A's member's task.
    for (const q of ["orgonlysecret", "draftsecret", "tasksecret", "mydraft"]) {
      const result = await memberB.client.search.global.query({ q });
      expect(result.items, q).toEqual([]);
      expect(result.counts.every((c) => c.count === 0)).toBe(true);
    }
    // A's admin: their organization's topic, their own draft; never another person's task.
    const admin = await adminA.client.search.global.query({ q: "centrifugal", limit: 50 });
    expect(idsOf(admin)).toEqual(expect.arrayContaining([`topics:${ids.internalTopic}`, `useCases:${ids.draftA}`]));
    expect(idsOf(admin)).not.toContain(`tasks:${ids.task}`);
    expect(idsOf(admin)).not.toContain(`useCases:${ids.draftB}`);
    // A's member: not the admin's draft (drafts: the owner and their organization's admin).
    expect((await memberA.client.search.global.query({ q: "mydraft" })).items).toEqual([]);
    // B's admin sees their own draft.
    expect(idsOf(await adminB.client.search.global.query({ q: "draftsecret" }))).toEqual([`useCases:${ids.draftB}`]);
  });

  it("never finds people by email", async () => {
    const local = adminB.email.split("@")[0] as string;
    const result = await memberA.client.search.global.query({ q: local, types: ["people"] });
    expect(result.items).toEqual([]);
    expect(JSON.stringify(await memberA.client.search.global.query({ q: "Omar Faris" }))).not.toContain(adminB.email);
  });

  it("escapes the text: only its own <mark> tags are markup", async () => {
    const result = await memberB.client.search.global.query({ q: "seal centrifugal", types: ["topics"] });
    const hit = result.items.find((i) => i.id === ids.scriptTopic);
    expect(hit?.title).toBe("&lt;script&gt;alert(1)&lt;/script&gt; <mark>centrifugal</mark> <mark>seal</mark>");
    for (const item of (await memberA.client.search.global.query({ q: "centrifugal", limit: 50 })).items) {
      const markup = `${item.title} ${item.snippet}`.replace(/<\/?mark>/g, "");
      expect(markup, item.id).not.toMatch(/[<>]/);
    }
  });

  it("searches Arabic", async () => {
    const result = await memberB.client.search.global.query({ q: "المضخة" });
    const hit = result.items.find((i) => i.id === ids.arabicTopic);
    expect(hit?.type).toBe("topics");
    expect(`${hit?.title} ${hit?.snippet}`).toContain("<mark>");
  });

  it("pages through the merged list without repeats", async () => {
    const whole = await adminA.client.search.global.query({ q: "centrifugal", limit: 50 });
    const { items, pages } = await allPages(adminA, { q: "centrifugal" }, 2);
    expect(pages).toBe(Math.ceil(whole.items.length / 2));
    expect(idsOf({ items })).toEqual(idsOf(whole));
    expect(new Set(idsOf({ items })).size).toBe(items.length);
  });

  it("is current on every node: a change made through one node shows in the next search on another", async () => {
    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const found = async (user: TestUser, q: string) =>
        idsOf(await nodeB.client({ token: user.token }).search.global.query({ q }));
      // Node B caches each type's candidates for these words, all empty so far.
      const words = ["quokkaflux", "wombatgear", "numbatseal", "bilbyvalve", "dingoframe"];
      for (const q of words) expect(await found(adminA, q)).toEqual([]);
      for (const q of words) expect(await found(adminB, q)).toEqual([]);

      // Forums: a new topic, an edited reply, a deleted topic.
      const created = await topic(memberA, "Quokkaflux bearings run hot", "Since the new grease.");
      expect(await found(adminB, "quokkaflux")).toEqual([`topics:${created.id}`]);
      await memberA.client.forums.updateTopic.mutate({ id: created.id, title: "Quokkaflux bearings run cool" });
      const renamed = await nodeB.client({ token: adminB.token }).search.global.query({ q: "quokkaflux" });
      expect(renamed.items[0]?.title).toBe("<mark>Quokkaflux</mark> bearings run cool");
      const reply = await memberA.client.forums.createPost.mutate({ topicId: created.id, body: "<p>Regrease.</p>" });
      await memberA.client.forums.updatePost.mutate({ id: reply.id, body: "<p>Regrease the wombatgear.</p>" });
      expect(await found(adminB, "wombatgear")).toEqual([`posts:${reply.id}`]);
      await memberA.client.forums.deleteTopic.mutate({ id: created.id });
      expect(await found(adminB, "quokkaflux")).toEqual([]);
      expect(await found(adminA, "wombatgear")).toEqual([]);

      // People and organizations: a profile, an organization's name, a person who just joined.
      await memberB.client.users.updateMe.mutate({ title: "Numbatseal specialist" });
      await adminB.client.organizations.update.mutate({ name: "Numbatseal Works" });
      expect(new Set(await found(adminA, "numbatseal"))).toEqual(
        new Set([`people:${memberB.userId}`, `organizations:${adminB.organizationId}`, `people:${adminB.userId}`]),
      );
      const email = `dingo-${Date.now()}@example.com`;
      await adminA.client.invitations.create.mutate({ email, role: "member" });
      const { token } = await lastMail(server, email);
      await server.client().invitations.accept.mutate({
        token: token as string,
        password: TEST_PASSWORD,
        firstName: "Dingoframe",
        lastName: "Newcomer",
        tokenType: "bearer",
      });
      expect(await found(adminB, "dingoframe")).toHaveLength(1);

      // Use cases: a draft only for its organization, then published for everyone.
      const draft = await adminB.client.useCases.createDraft.mutate(useCase("Bilbyvalve retrofit", "Valves."));
      expect(await found(adminB, "bilbyvalve")).toEqual([`useCases:${draft.id}`]);
      expect(await found(adminA, "bilbyvalve")).toEqual([]);
      await adminB.client.useCases.publish.mutate({ id: draft.id });
      expect(await found(adminA, "bilbyvalve")).toEqual([`useCases:${draft.id}`]);
      await adminB.client.useCases.delete.mutate({ id: draft.id });
      expect(await found(adminA, "bilbyvalve")).toEqual([]);
    } finally {
      await nodeB.close();
    }
  });

  it("over REST: GET /api/v1/search", async () => {
    const url = new URL(`${server.url}/api/v1/search`);
    url.searchParams.set("q", "centrifugal");
    url.searchParams.append("types", "useCases");
    const res = await fetch(url, { headers: { authorization: `Bearer ${memberB.token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Result;
    expect(body.items.map((i) => i.id)).toEqual([ids.published]);
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
  });

  it("refuses bad input, naming the field", async () => {
    const bad = [
      [{ q: "a" }, "q"],
      [{ q: "x".repeat(101) }, "q"],
      [{ q: "pump\u0000" }, "q"],
      [{ q: "pump", types: [] }, "types"],
      [{ q: "pump", types: ["everything"] }, "types.0"],
      [{ q: "pump", limit: 51 }, "limit"],
      [{ q: "pump", cursor: "not-a-cursor" }, "cursor"],
      [{ q: "pump", cursor: Buffer.from(JSON.stringify(["g", 100_000])).toString("base64url") }, "cursor"],
    ] as const;
    for (const [input, field] of bad) {
      const err = await failure(memberA.client.search.global.query(input as never));
      expect(err, JSON.stringify(input)).toMatchObject({ appCode: "BAD_REQUEST" });
      expect(err.fields, JSON.stringify(input)).toContain(field);
    }
    expect(await failure(server.client().search.global.query({ q: "pump" }))).toMatchObject({
      appCode: "UNAUTHORIZED",
    });
  });
});
