import type { RouterInputs, RouterOutputs } from "@p2p/client";
import { addMember, failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Category = RouterOutputs["forums"]["listCategories"][number];
type SearchInput = RouterInputs["forums"]["search"];
type Hit = RouterOutputs["forums"]["search"]["items"][number];

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let outsider: TestUser;
let category: Record<string, Category>;

const topicOf = (user: TestUser, title: string, body: string, options: { slug?: string; org?: boolean } = {}) =>
  user.client.forums.createTopic.mutate({
    title,
    body: `<p>${body}</p>`,
    categoryId: (category[options.slug ?? "maintenance"] as Category).id,
    visibility: options.org ? "organization" : "platform",
  });

const search = (user: TestUser, input: SearchInput) => user.client.forums.search.query(input);

/** Every page of a search, following nextCursor. */
async function allPages(user: TestUser, input: SearchInput): Promise<Hit[][]> {
  const pages: Hit[][] = [];
  let cursor: string | null | undefined;
  do {
    const page = await search(user, { ...input, cursor });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 20);
  return pages;
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
  member = await addMember(server, admin);
  outsider = await signUpAdmin(server);
  category = Object.fromEntries((await admin.client.forums.listCategories.query()).map((c) => [c.slug, c]));
});
afterAll(async () => server?.close());

describe("forums.search", () => {
  it("finds the words around angle brackets, as in a PLC tag or a literal <script>", async () => {
    const topic = await topicOf(
      admin,
      "Alarm logic question for the plant",
      "The trip fires when pressure&lt;setpointalpha and flow&gt;maxbeta. Example: &lt;script&gt; then gammaword follows.",
    );
    for (const q of ["setpointalpha", "gammaword", "maxbeta"])
      expect(
        (await search(member, { q })).items.map((h) => h.topic.id),
        q,
      ).toEqual([topic.id]);
    const task = await member.client.tasks.create.mutate({ title: "Valve <V-101> gasketword" });
    const found = await member.client.search.global.query({ q: "gasketword", types: ["tasks"] });
    expect(found.items.map((i) => i.id)).toEqual([task.id]);
  });

  it("finds a renamed topic's posts by its new title only, and marks a hit between angle brackets in the body", async () => {
    const topic = await topicOf(admin, "Wombatword gantry squaring", "The gantry skews.");
    const reply = await member.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Use a theodolite.</p>" });
    await admin.client.forums.updateTopic.mutate({ id: topic.id, title: "Numbatword gantry squaring" });
    for (const sort of ["relevance", "latest"] as const)
      expect((await search(outsider, { q: "wombatword", sort })).items).toEqual([]);
    expect((await search(outsider, { q: "numbatword theodolite" })).items.map((h) => h.postId)).toEqual([reply.id]);
    const global = await outsider.client.search.global.query({ q: "wombatword" });
    expect(global.items).toEqual([]);

    await topicOf(
      admin,
      "Actuator zeroing query",
      "We keep torque&lt;setpointdelta and travel&gt;maxdelta during warmup.",
    );
    const [hit] = (await search(member, { q: "setpointdelta" })).items;
    expect(hit?.snippet).toContain("<mark>setpointdelta</mark>");
  });

  it("ranks a word in the title above the same word repeated in the body", async () => {
    const inTitle = await topicOf(admin, "Titleword only up here", "Nothing else to say about it.");
    const inBody = await topicOf(admin, "Another topic entirely", "titleword titleword titleword everywhere");
    const ranked = (await search(member, { q: "titleword" })).items.map((h) => h.topic.id);
    expect(ranked).toEqual([inTitle.id, inBody.id]);
  });

  it("finds topics by title and replies by body, with English stemming", async () => {
    const topic = await topicOf(admin, "Compressor bearings wear out within months", "The screw compressor runs hot.");
    const reply = await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Check the lubrication interval of the drive end first.</p>",
    });

    const byTitle = await search(member, { q: "bearing" });
    expect(byTitle.items.map((h) => h.topic.id)).toEqual([topic.id]);
    expect(byTitle.items[0]?.postId).toBe(topic.posts.items[0]?.id);
    expect(byTitle.items[0]?.topic).toMatchObject({ title: topic.title, author: { id: admin.userId } });
    // The hit is only in the title, so the snippet shows the title with the hit marked.
    expect(byTitle.items[0]?.snippet).toBe("Compressor <mark>bearings</mark> wear out within months");

    const byBody = await search(admin, { q: "lubricating" });
    expect(byBody.items).toHaveLength(1);
    expect(byBody.items[0]).toMatchObject({ topic: { id: topic.id }, postId: reply.id });
    expect(byBody.items[0]?.snippet).toContain("<mark>lubrication</mark>");
    expect(byBody.items[0]?.snippet).toContain("drive end");
  });

  it("shows a hit deep in a long post around it, marked, not the post's start", async () => {
    const filler = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(" ");
    const topic = await topicOf(admin, "Long shift log of kiln two", `${filler} so the refractory cracked ${filler}`);
    const [hit] = (await search(member, { q: "refractories" })).items;
    expect(hit?.topic.id).toBe(topic.id);
    expect(hit?.snippet).toContain("word1999 so the <mark>refractory</mark> cracked word0 word1");
    expect(hit?.snippet).not.toContain("word1000 ");
  });

  it("finds Arabic text by one Arabic word, in titles and bodies, and highlights it", async () => {
    const topic = await topicOf(
      member,
      "صيانة الضواغط",
      "نحتاج إلى جدول صيانة دوري للضواغط في المصنع بسبب الاهتزاز المستمر",
      { slug: "maintenance" },
    );
    const byTitleAndBody = await search(outsider, { q: "الضواغط" });
    expect(byTitleAndBody.items.map((h) => h.topic.id)).toEqual([topic.id]);
    expect(byTitleAndBody.items[0]?.snippet).toContain("<mark>للضواغط</mark>");

    const byBodyOnly = await search(admin, { q: "الاهتزاز" });
    expect(byBodyOnly.items.map((h) => h.topic.id)).toEqual([topic.id]);
    expect(byBodyOnly.items[0]?.snippet).toContain("<mark>الاهتزاز</mark>");
    expect(byBodyOnly.items[0]?.snippet).toContain("صيانة");
  });

  it("returns snippets in which only <mark> is markup: the text's own angle brackets come back escaped", async () => {
    const topic = await topicOf(admin, "Notes field on the packaging line HMI", "Operators type shift notes there.");
    // Literal text (escaped in the rich text): a script tag, a fake mark, quotes, an ampersand.
    await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: '<p>Someone pasted &lt;script&gt;alert("x")&lt;/script&gt; and &lt;mark&gt;fake&lt;/mark&gt; there.</p>',
    });
    await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>R&amp;D wrote the interlock rule as a&lt;b &amp;&amp; c&gt;d for the press.</p>",
    });
    const pasted = await search(admin, { q: "pasted" });
    expect(pasted.items).toHaveLength(1);
    expect(pasted.items[0]?.snippet).toBe(
      "Someone <mark>pasted</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; and &lt;mark&gt;fake&lt;/mark&gt; there.",
    );
    // Several words: the snippet spans from the first to the last, across the brackets.
    const interlock = await search(admin, { q: "interlock press" });
    expect(interlock.items[0]?.snippet).toContain(
      "<mark>interlock</mark> rule as a&lt;b &amp;&amp; c&gt;d for the <mark>press</mark>",
    );

    // Text that itself shows an entity stays that text.
    await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>The label printer wants &amp;lt;br&amp;gt; for a new line.</p>",
    });
    const printer = await search(admin, { q: "label printer" });
    expect(printer.items[0]?.snippet).toContain("&amp;lt;br&amp;gt;");

    for (const snippet of [pasted, interlock, printer].map((r) => r.items[0]?.snippet as string)) {
      // Nothing but our own <mark> pair is a tag.
      expect(snippet.replaceAll("<mark>", "").replaceAll("</mark>", "")).not.toMatch(/[<>]/);
    }
  });

  it("never shows another organization's organization-visible topics", async () => {
    const internal = await topicOf(member, "Gearbox overheating on line two", "Oil temperature reaches 95 C.", {
      org: true,
    });
    const reply = await admin.client.forums.createPost.mutate({
      topicId: internal.id,
      body: "<p>Synthetic gearbox oil fixed ours.</p>",
    });
    expect((await search(admin, { q: "gearbox" })).items.map((h) => h.topic.id)).toEqual([internal.id]);
    expect((await search(member, { q: "synthetic" })).items.map((h) => h.postId)).toEqual([reply.id]);

    for (const q of ["gearbox", "synthetic", "overheating line two"]) {
      for (const sort of ["relevance", "latest"] as const) {
        expect((await search(outsider, { q, sort })).items).toEqual([]);
      }
    }
  });

  it("filters by category and by answered", async () => {
    const inSafety = await topicOf(
      admin,
      "Forklift chargers in the warehouse",
      "Where do you place forklift chargers?",
      {
        slug: "safety",
      },
    );
    const inEnergy = await topicOf(member, "Forklift fleet electricity bill", "Our forklift fleet doubled the bill.", {
      slug: "energy",
    });
    const answer = await member.client.forums.createPost.mutate({
      topicId: inSafety.id,
      body: "<p>Keep them in a ventilated room.</p>",
    });
    await admin.client.forums.markBestAnswer.mutate({ topicId: inSafety.id, postId: answer.id });

    const ids = async (input: SearchInput) => (await search(outsider, input)).items.map((h) => h.topic.id).sort();
    expect(await ids({ q: "forklift" })).toEqual([inSafety.id, inEnergy.id].sort());
    expect(await ids({ q: "forklift", categoryId: category.safety?.id })).toEqual([inSafety.id]);
    expect(await ids({ q: "forklift", categoryId: category.energy?.id })).toEqual([inEnergy.id]);
    expect(await ids({ q: "forklift", categoryId: category.quality?.id })).toEqual([]);
    expect(await ids({ q: "forklift", answered: true })).toEqual([inSafety.id]);
    expect(await ids({ q: "forklift", answered: false })).toEqual([inEnergy.id]);
    expect(await ids({ q: "forklift", answered: true, categoryId: category.energy?.id })).toEqual([]);
  });

  it("sorts by relevance or by time, one hit per topic", async () => {
    // Older, but "hydraulic" is in its title and repeated in its body: the most relevant.
    const strong = await topicOf(
      admin,
      "Hydraulic press leaks hydraulic oil",
      "The hydraulic unit of the hydraulic press loses oil at every hydraulic cylinder.",
    );
    const weak = await topicOf(member, "Press shop noise levels", "Noise near the old hydraulic line is high.");
    await admin.client.forums.createPost.mutate({ topicId: strong.id, body: "<p>Replace the hydraulic seals.</p>" });

    const relevance = await search(outsider, { q: "hydraulic" });
    expect(relevance.items.map((h) => h.topic.id)).toEqual([strong.id, weak.id]);
    // The topic's best-ranked post is the hit: its first post (title and body), not the short reply.
    expect(relevance.items[0]?.postId).toBe(strong.posts.items[0]?.id);

    // Newest hit first: the weak topic was posted after the strong topic's first post.
    const latest = await search(outsider, { q: "hydraulic", sort: "latest" });
    expect(latest.items.map((h) => h.topic.id)).toEqual([weak.id, strong.id]);
  });

  it("pages with a cursor, every hit exactly once, in both sorts", async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const topic = await topicOf(
        i % 2 ? admin : member,
        `Valve actuator question number ${i + 1}`,
        "valve ".repeat(i + 1),
      );
      created.push(topic.id);
    }
    for (const sort of ["relevance", "latest"] as const) {
      const pages = await allPages(outsider, { q: "valve", sort, limit: 3 });
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      const ids = pages.flat().map((h) => h.topic.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...created].sort());
      if (sort === "latest") expect(ids).toEqual([...created].reverse());
      // One page of everything agrees with the pages.
      const whole = await search(outsider, { q: "valve", sort, limit: 10 });
      expect(whole.items.map((h) => h.topic.id)).toEqual(ids);
      expect(whole.nextCursor).toBeNull();
    }
  });

  it("finds posts of every age, the newest first", async () => {
    const ages = [1, 20, 100, 400, 1000];
    const topics = [];
    for (const days of ages) {
      const topic = await topicOf(member, `Tribology notes from ${days} days ago`, "Lubricant film thickness.");
      await sql`update forum_search set created_at = now() - make_interval(days => ${days}) where topic_id = ${topic.id}`.execute(
        server.deps.db,
      );
      topics.push(topic.id);
    }
    const latest = await search(outsider, { q: "tribology", sort: "latest" });
    expect(latest.items.map((h) => h.topic.id)).toEqual(topics);
    const relevance = await search(outsider, { q: "tribology" });
    expect(relevance.items.map((h) => h.topic.id).sort()).toEqual([...topics].sort());
  });

  it("does not find deleted topics or deleted posts", async () => {
    const topic = await topicOf(admin, "Conveyor belt tracking drifts", "Our conveyor drifts left after cleaning.");
    const reply = await member.client.forums.createPost.mutate({
      topicId: topic.id,
      body: "<p>Realign the snub pulley.</p>",
    });
    expect((await search(outsider, { q: "snub pulley" })).items.map((h) => h.postId)).toEqual([reply.id]);
    await member.client.forums.deletePost.mutate({ postId: reply.id });
    expect((await search(outsider, { q: "snub pulley" })).items).toEqual([]);
    expect((await search(outsider, { q: "conveyor" })).items.map((h) => h.topic.id)).toEqual([topic.id]);

    await admin.client.forums.deleteTopic.mutate({ id: topic.id });
    for (const sort of ["relevance", "latest"] as const) {
      expect((await search(outsider, { q: "conveyor", sort })).items).toEqual([]);
      expect((await search(admin, { q: "conveyor", sort })).items).toEqual([]);
    }
  });

  it("is current on every node: a post written, edited or deleted through one node is found as it is on another", async () => {
    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const onB = nodeB.client({ token: outsider.token });
      const hitsOnB = async (q: string) =>
        (await onB.forums.search.query({ q })).items.map((h) => ({ postId: h.postId, replies: h.topic.replyCount }));
      const topic = await topicOf(admin, "Hydraulic press creeps down", "The ram drifts when idle.");
      expect(await hitsOnB("ram drifts")).toEqual([{ postId: topic.posts.items[0]?.id, replies: 0 }]);
      expect(await hitsOnB("accumulatorword")).toEqual([]); // both now cached on node B

      const reply = await member.client.forums.createPost.mutate({
        topicId: topic.id,
        body: "<p>Check the accumulatorword precharge.</p>",
      });
      expect(await hitsOnB("accumulatorword")).toEqual([{ postId: reply.id, replies: 1 }]);
      expect(await hitsOnB("ram drifts")).toEqual([{ postId: topic.posts.items[0]?.id, replies: 1 }]);

      await member.client.forums.updatePost.mutate({ id: reply.id, body: "<p>Check the valve seals.</p>" });
      expect(await hitsOnB("accumulatorword")).toEqual([]);
      await member.client.forums.deletePost.mutate({ postId: reply.id });
      expect(await hitsOnB("valve seals")).toEqual([]);
      await admin.client.forums.deleteTopic.mutate({ id: topic.id });
      expect(await hitsOnB("ram drifts")).toEqual([]);
    } finally {
      await nodeB.close();
    }
  });

  it("rejects bad input with BAD_REQUEST", async () => {
    const bad = async (input: SearchInput, field: string) => {
      const err = await failure(search(member, input));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.fields).toContain(field);
    };
    await bad({ q: "" }, "q");
    await bad({ q: "   " }, "q");
    await bad({ q: "x".repeat(201) }, "q");
    await bad({ q: "valve", cursor: "not-a-cursor" }, "cursor");
    await bad({ q: "valve", cursor: Buffer.from('["r",-5]').toString("base64url") }, "cursor");
    await bad({ q: "valve", cursor: Buffer.from('["l","yesterday","x"]').toString("base64url") }, "cursor");
    await bad({ q: "valve", limit: 101 }, "limit");

    // A cursor from one sort is no cursor for the other.
    const relevancePage = await search(member, { q: "valve", limit: 1 });
    const latestPage = await search(member, { q: "valve", limit: 1, sort: "latest" });
    await bad({ q: "valve", sort: "latest", cursor: relevancePage.nextCursor }, "cursor");
    await bad({ q: "valve", sort: "relevance", cursor: latestPage.nextCursor }, "cursor");

    // Punctuation-only or stop-word-only queries are valid and simply find nothing.
    expect((await search(member, { q: "&&& ((" })).items).toEqual([]);
    expect((await search(member, { q: "the" })).items).toEqual([]);
    expect((await search(member, { q: "how to" })).items).toEqual([]);
  });

  it("requires a signed-in member", async () => {
    const err = await failure(server.client().forums.search.query({ q: "valve" }));
    expect(err.code).toBe("UNAUTHORIZED");
  });
});
