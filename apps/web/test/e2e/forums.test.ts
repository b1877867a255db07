import { randomUUID } from "node:crypto";
import { signUpAdmin, type TestServer, type TestUser } from "@p2p/testkit";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

let server: TestServer;
let browser: Browser;
/** The admins of two organizations: Ada asks, Bo (from elsewhere) answers. */
let ada: TestUser;
let bo: TestUser;

beforeAll(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  [ada, bo] = await Promise.all([
    signUpAdmin(server, { firstName: "Ada", lastName: "Lovelace" }),
    signUpAdmin(server, { firstName: "Bo", lastName: "Builder" }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Two browsers, live events and many calls each: more than the default time on a busy machine. */
const SLOW = { timeout: 60_000 };

/** Live things arrive within seconds (presence is coalesced to one update a second or more). */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 200 });

/** The post (an <article> named by its author) whose text contains `text`. */
const postWith = (page: Page, text: string) => page.getByRole("article").filter({ hasText: text }).last();

describe("forums", () => {
  it(
    "starts a topic, shows another organization's reply live, likes it, marks it best, and finds it",
    SLOW,
    async () => {
      const a = await openPage(browser, server.url);
      await signInAs(a.page, ada, "/forums");
      await a.page.getByRole("heading", { level: 1, name: "Forums" }).waitFor();
      await a.page.getByRole("link", { name: "All topics" }).waitFor();
      expect(await accessibilityViolations(a.page)).toEqual([]);
      await screenshot(a.page, "forums-list");

      await a.page.getByRole("link", { name: "New topic" }).click();
      await a.page.getByRole("heading", { level: 1, name: "Start a topic" }).waitFor();
      // Nothing filled in: the page says what is missing before sending anything.
      await a.page.getByRole("button", { name: "Post topic" }).click();
      await eventually(() => a.page.getByRole("textbox", { name: "Body" }).getAttribute("aria-invalid")).toBe("true");
      expect(await a.page.getByLabel("Title").getAttribute("aria-invalid")).toBe("true");

      await a.page.getByLabel("Title").fill("Conveyor belt slips under load");
      await a.page.getByLabel("Category").selectOption({ index: 1 });
      await a.page.getByLabel("Who can see it").selectOption("platform");
      await a.page.getByLabel("Tags").fill("conveyor, two words");
      const body = a.page.getByRole("textbox", { name: "Body" });
      await body.click();
      await a.page.keyboard.type("The belt slips when the line is full. ");
      const bold = a.page.getByRole("button", { name: "Bold" });
      await bold.click();
      await eventually(() => bold.getAttribute("aria-pressed")).toBe("true");
      await a.page.keyboard.type("Why?");
      // A tag with a space is refused on its field; fixing it clears the error.
      await a.page.getByRole("button", { name: "Post topic" }).click();
      await eventually(() => a.page.getByLabel("Tags").getAttribute("aria-invalid")).toBe("true");
      await a.page.getByLabel("Tags").fill("conveyor, maintenance");
      expect(await a.page.getByLabel("Tags").getAttribute("aria-invalid")).toBeNull();
      await a.page.getByRole("button", { name: "Post topic" }).click();
      await a.page.waitForURL(/\/forums\/topics\/[0-9a-f-]{36}$/);
      const topicUrl = new URL(a.page.url()).pathname;
      await a.page.getByRole("heading", { level: 1, name: /Conveyor belt slips under load/ }).waitFor();
      // The bold text came back from the server's sanitizer as <b>.
      expect(await a.page.locator(".forums-post-body b").textContent()).toBe("Why?");

      // Bo, from another organization, opens the platform topic and replies.
      const b = await openPage(browser, server.url);
      await signInAs(b.page, bo, topicUrl);
      await b.page.getByRole("heading", { level: 1, name: /Conveyor belt slips under load/ }).waitFor();
      // Both pages are subscribed once each sees the other viewing.
      await eventually(() => a.page.getByText("2 people viewing").count()).toBe(1);
      await eventually(() => b.page.getByText("2 people viewing").count()).toBe(1);

      const reply = b.page.getByRole("textbox", { name: "Your reply" });
      await reply.click();
      await b.page.keyboard.type("Check the tensioner ", { delay: 20 });
      await eventually(() => a.page.getByRole("status").filter({ hasText: "Bo Builder is typing…" }).count()).toBe(1);
      await b.page.keyboard.type("and the pulley lagging.");
      await b.page.getByRole("button", { name: "Post reply" }).click();

      // Ada's page shows it without a reload, and the typing line is gone.
      await eventually(() => postWith(a.page, "Check the tensioner").isVisible()).toBe(true);
      expect(await a.page.getByText("Bo Builder is typing…").count()).toBe(0);
      const boReply = postWith(a.page, "Check the tensioner");
      expect(await boReply.getByText("Bo Builder").isVisible()).toBe(true);

      // Ada likes it and marks it the best answer; Bo's page follows live.
      const like = boReply.getByRole("button", { name: /^Like/ });
      await like.click();
      await eventually(() => like.getAttribute("aria-pressed")).toBe("true");
      expect(await like.textContent()).toContain("1");
      await eventually(() => postWith(b.page, "Check the tensioner").getByText("1 like").count()).toBe(1);
      await boReply.getByRole("button", { name: "Mark as best answer" }).click();
      await eventually(() => boReply.getByText("Best answer", { exact: true }).count()).toBe(1);
      await eventually(() =>
        postWith(b.page, "Check the tensioner").getByText("Best answer", { exact: true }).count(),
      ).toBe(1);
      expect(await a.page.getByRole("heading", { level: 1 }).textContent()).toContain("Answered");
      // Bo is not the topic's author: no best-answer button for him, and no like on his own post.
      expect(await b.page.getByRole("button", { name: "Mark as best answer" }).count()).toBe(0);
      expect(await postWith(b.page, "Check the tensioner").getByRole("button", { name: /^Like/ }).count()).toBe(0);

      expect(await accessibilityViolations(a.page)).toEqual([]);
      await screenshot(a.page, "forums-topic");

      // Search finds the reply's words, highlighted, and links to the post.
      await a.page.getByRole("link", { name: "Forums", exact: true }).click();
      await a.page.getByRole("searchbox", { name: "Search the forums" }).fill("tensioner");
      await a.page.getByRole("button", { name: "Search" }).click();
      await a.page.waitForURL("**/forums/search?q=tensioner");
      const hit = a.page.getByRole("listitem").filter({ hasText: "Conveyor belt slips under load" });
      await eventually(() => hit.locator("mark").first().textContent()).toMatch(/tensioner/i);
      expect(await hit.getByRole("link", { name: "Conveyor belt slips under load" }).getAttribute("href")).toMatch(
        /^\/forums\/topics\/[0-9a-f-]{36}#post-[0-9a-f-]{36}$/,
      );
      expect(await accessibilityViolations(a.page)).toEqual([]);
      await screenshot(a.page, "forums-search");

      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
      await a.context.close();
      await b.context.close();
    },
  );

  it(
    "nests a reply to a post, edits and deletes it, and locks and pins for an admin on their organization's topic",
    SLOW,
    async () => {
      const [category] = await ada.client.forums.listCategories.query();
      const topic = await ada.client.forums.createTopic.mutate({
        title: "Compressor trips at night",
        categoryId: category?.id ?? "",
        body: "<p>Only on the night shift.</p>",
        visibility: "organization",
      });
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, ada, `/forums/topics/${topic.id}`);
      await page.getByRole("heading", { level: 1, name: /Compressor trips at night/ }).waitFor();

      // The toolbar is one tab stop; the arrow keys, Home and End move along it.
      await page.getByRole("textbox", { name: "Your reply" }).click();
      await page.keyboard.press("Shift+Tab");
      const focused = () => page.evaluate(() => document.activeElement?.textContent);
      expect(await focused()).toContain("Bold");
      await page.keyboard.press("ArrowRight");
      expect(await focused()).toContain("Italic");
      await page.keyboard.press("End");
      expect(await focused()).toContain("Code");
      await page.keyboard.press("Home");
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("Enter");
      await eventually(() => page.getByRole("button", { name: "Italic" }).getAttribute("aria-pressed")).toBe("true");

      // A reply to the question nests under it.
      const question = postWith(page, "Only on the night shift.");
      await question.getByRole("button", { name: "Reply" }).click();
      await page.getByRole("textbox", { name: "Reply to Ada Lovelace" }).fill("Check the dryer's drain valve.");
      await question.getByRole("button", { name: "Post reply" }).click();
      const nested = question.getByRole("article").filter({ hasText: "drain valve" });
      await eventually(() => nested.isVisible()).toBe(true);

      // Its author edits it in the same editor, then deletes it: a tombstone keeps its place.
      await nested.getByRole("button", { name: "Edit" }).click();
      const editor = nested.getByRole("textbox", { name: "Edit" });
      expect(await editor.textContent()).toBe("Check the dryer's drain valve.");
      await editor.fill("Check the dryer's drain valve first.");
      await nested.getByRole("button", { name: "Save changes" }).click();
      await eventually(() => nested.getByText("(edited)").isVisible()).toBe(true);
      expect(await nested.textContent()).toContain("drain valve first.");
      await nested.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      await eventually(() => question.getByText("This post was deleted.").isVisible()).toBe(true);

      // An admin locks (no more replies) and pins their organization's topic.
      await page.getByRole("button", { name: "Lock", exact: true }).click();
      await eventually(() => page.getByText("This topic is locked: it takes no new replies.").isVisible()).toBe(true);
      expect(await page.getByRole("textbox", { name: "Your reply" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Lock", exact: true }).getAttribute("aria-pressed")).toBe("true");
      await page.getByRole("button", { name: "Pin", exact: true }).click();
      await eventually(() => page.getByRole("heading", { level: 1 }).textContent()).toContain("Pinned");
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("Locked");
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  it("reads right to left in Arabic, the toolbar's arrows following the direction", SLOW, async () => {
    // A reader with no notifications yet (the bell's unread badge is the shell's, not this page's).
    const carmen = await signUpAdmin(server, { firstName: "Carmen", lastName: "Reader" });
    const [category] = await bo.client.forums.listCategories.query();
    const topic = await bo.client.forums.createTopic.mutate({
      title: "توقف خط التعبئة",
      categoryId: category?.id ?? "",
      body: "<p>يتوقف الخط كل ساعة تقريباً.</p>",
      visibility: "platform",
    });
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, carmen, `/forums/topics/${topic.id}`);
    await page.getByLabel("Language").selectOption("ar");
    await eventually(() => page.evaluate(() => document.documentElement.dir)).toBe("rtl");
    await page.getByRole("heading", { level: 2, name: /الردود/ }).waitFor();
    expect(await page.getByRole("button", { name: "إعجاب 0" }).count()).toBe(1);
    // In right-to-left text the left arrow moves on to the next tool.
    await page.getByRole("textbox", { name: "ردك" }).click();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("ArrowLeft");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("مائل");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "forums-topic-ar");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("scrolls a #post-<id> link to that reply, fetching it when it is past the loaded page", SLOW, async () => {
    const [category] = await ada.client.forums.listCategories.query();
    const topic = await ada.client.forums.createTopic.mutate({
      title: "Long thread about gearbox oil",
      categoryId: category?.id ?? "",
      body: "<p>Which oil grade do you use?</p>",
      visibility: "platform",
    });
    // More top-level replies than one page (20 posts with the question): the last ones come later.
    const replies = [];
    for (let i = 1; i <= 22; i++) {
      replies.push(await bo.client.forums.createPost.mutate({ topicId: topic.id, body: `<p>Answer number ${i}</p>` }));
    }
    const early = replies[2];
    const late = replies[21];
    if (!early || !late) throw new Error("replies missing");

    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, ada, `/forums/topics/${topic.id}#post-${early.id}`);
    const shown = page.locator(`#post-${early.id}`);
    await eventually(() => shown.isVisible()).toBe(true);
    expect(await shown.textContent()).toContain("Answer number 3");
    await eventually(() => shown.evaluate((el) => el === document.activeElement)).toBe(true);

    // A post not on the first page: fetched alone (forums.getPost) and shown as the linked post.
    await page.goto(`/forums/topics/${topic.id}#post-${late.id}`);
    const linked = page.getByRole("region", { name: "Linked post" });
    await eventually(() => linked.getByText("Answer number 22").isVisible()).toBe(true);
    expect(await page.locator(`#post-${late.id}`).count()).toBe(1);
    // Loading the rest of the thread brings it in place; it is shown once.
    await page.getByRole("button", { name: "Load more" }).click();
    await eventually(() => linked.count()).toBe(0);
    expect(await page.locator(`#post-${late.id}`).count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows more replies under a thread longer than the page's share, loading them in place", SLOW, async () => {
    const [category] = await ada.client.forums.listCategories.query();
    const topic = await ada.client.forums.createTopic.mutate({
      title: "Busy thread about chiller alarms",
      categoryId: category?.id ?? "",
      body: "<p>Which alarms do you silence?</p>",
      visibility: "platform",
    });
    const busy = await bo.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Start of a busy thread</p>" });
    // More replies than a page of the thread carries (500), written straight to the post store
    // (the forums' collection): so many through the API would take long.
    const start = Date.now() - 60_000;
    await server.deps.mongo.db.collection<{ _id: string } & Record<string, unknown>>("forum_posts").insertMany(
      Array.from({ length: 501 }, (_, i) => ({
        _id: randomUUID(),
        topicId: topic.id,
        authorId: bo.userId,
        organizationId: bo.organizationId,
        parentId: busy.id,
        treeParentId: busy.id,
        rootId: busy.id,
        depth: 1,
        bodyHtml: `<p>Busy reply ${i + 1}</p>`,
        attachmentIds: [],
        createdAt: new Date(start + i),
        editedAt: null,
        deletedAt: null,
        pending: false,
      })),
    );
    await ada.client.forums.createPost.mutate({
      topicId: topic.id,
      parentId: busy.id,
      body: "<p>The newest word on it</p>",
    });

    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, ada, `/forums/topics/${topic.id}`);
    const thread = postWith(page, "Start of a busy thread");
    await eventually(() => thread.getByText("Busy reply 500", { exact: true }).count()).toBe(1);
    expect(await thread.getByText("Busy reply 501", { exact: true }).count()).toBe(0);
    expect(await thread.getByText("The newest word on it").count()).toBe(0);

    // The rest of the thread comes in place, under the replies already shown, each once.
    await thread.getByRole("button", { name: "Show more replies" }).click();
    await eventually(() => thread.getByText("The newest word on it").count()).toBe(1);
    expect(await thread.getByText("Busy reply 501", { exact: true }).count()).toBe(1);
    expect(await thread.getByText("Busy reply 1", { exact: true }).count()).toBe(1);
    const order = await thread.locator(".forums-post-body").allTextContents();
    expect(order.slice(-3)).toEqual(["Busy reply 500", "Busy reply 501", "The newest word on it"]);
    // The thread is whole: no button left.
    expect(await thread.getByRole("button", { name: "Show more replies" }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a topic's tags on its page and in the list, and lets its author change them", SLOW, async () => {
    const [category] = await ada.client.forums.listCategories.query();
    const topic = await ada.client.forums.createTopic.mutate({
      title: "Mechanical seals keep leaking",
      categoryId: category?.id ?? "",
      body: "<p>Every few weeks on the same pump.</p>",
      tags: ["pumps", "cavitation"],
      visibility: "organization",
    });
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, ada, `/forums/topics/${topic.id}`);
    const tagsOf = (scope: Page | Locator) =>
      scope.getByRole("list", { name: "Tags" }).getByRole("link").allTextContents();
    await eventually(() => tagsOf(page)).toEqual(["#pumps", "#cavitation"]);

    // The author edits them with the title: the field holds the current ones; a bad one is refused on it.
    await page.getByRole("button", { name: "Edit topic" }).click();
    const dialog = page.getByRole("dialog");
    const field = dialog.getByLabel("Tags");
    expect(await field.inputValue()).toBe("pumps, cavitation");
    await field.fill("pumps, bad tag");
    await dialog.getByRole("button", { name: "Save" }).click();
    await eventually(() => field.getAttribute("aria-invalid")).toBe("true");
    await field.fill("pumps, Seals");
    await dialog.getByRole("button", { name: "Save" }).click();
    await eventually(() => tagsOf(page)).toEqual(["#pumps", "#seals"]);
    expect(await accessibilityViolations(page)).toEqual([]);

    // The list shows them too, and a tag links to its topics.
    await page.getByRole("link", { name: "Forums", exact: true }).click();
    const item = page.getByRole("listitem").filter({ hasText: "Mechanical seals keep leaking" });
    await eventually(() => tagsOf(item)).toEqual(["#pumps", "#seals"]);
    await item.getByRole("link", { name: "#seals" }).click();
    await page.waitForURL("**/forums?tag=seals");
    await page.getByText("Tag: seals").waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("posts a topic and a reply once when they are sent again after their answers were lost", SLOW, async () => {
    const { page, context } = await openPage(browser, server.url);
    await signInAs(page, ada, "/forums/new");
    const title = `Lost answer ${randomUUID().slice(0, 8)}`;
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Category").selectOption({ index: 1 });
    await page.getByRole("textbox", { name: "Body" }).click();
    await page.keyboard.type("Does the gearbox need a breather?");
    /** The next call of `procedure` reaches the server, but its answer never reaches the page. */
    const loseNextAnswer = async (procedure: string) => {
      let lost = false;
      await page.route(
        (url) => url.pathname.startsWith("/trpc/") && url.pathname.includes(procedure),
        async (route) => {
          await route.fetch();
          lost = true;
          await route.abort("connectionreset");
        },
        { times: 1 },
      );
      return () => lost;
    };

    const topicLost = await loseNextAnswer("forums.createTopic");
    const post = page.getByRole("button", { name: "Post topic" });
    await post.click();
    await eventually(topicLost).toBe(true);
    await eventually(() => post.isEnabled()).toBe(true);
    await post.click(); // the same topic again: made once
    await page.waitForURL(/\/forums\/topics\/[0-9a-f-]{36}$/);
    const topicId = new URL(page.url()).pathname.split("/").pop() as string;
    const mine = await ada.client.forums.listTopics.query({ sort: "latest", limit: 50 });
    expect(mine.items.filter((t) => t.title === title).map((t) => t.id)).toEqual([topicId]);

    const replyLost = await loseNextAnswer("forums.createPost");
    const reply = page.getByRole("textbox", { name: "Your reply" });
    await reply.click();
    await page.keyboard.type("Yes, a desiccant one.");
    const send = page.getByRole("button", { name: "Post reply" });
    await send.click();
    await eventually(replyLost).toBe(true);
    await eventually(() => send.isEnabled()).toBe(true);
    await send.click();
    await postWith(page, "Yes, a desiccant one.").waitFor();
    const posts = await ada.client.forums.listPosts.query({ topicId, limit: 50 });
    expect(posts.items.filter((p) => p.bodyHtml?.includes("desiccant"))).toHaveLength(1);
    await context.close();
  });
});
