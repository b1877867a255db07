import { signUpAdmin, type TestServer, type TestUser } from "@p2p/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

let server: TestServer;
let browser: Browser;
let ada: TestUser;
let bob: TestUser;

beforeAll(async () => {
  // One test sends a few pages of messages at once.
  server = await startWebServer({ env: { MESSAGES_PER_10_SECONDS: "100" } });
  browser = await launchBrowser();
  // Two organizations: direct messages go across them.
  [ada, bob] = await Promise.all([
    signUpAdmin(server, { firstName: "Ada", lastName: "Lovelace" }),
    signUpAdmin(server, { firstName: "Bob", lastName: "Builder" }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Signs in and waits until the page's personal stream is open (the server answered "started"):
 * from then on, what is sent to this person reaches the page live.
 */
async function signInLive(page: Page, user: TestUser, next: string): Promise<void> {
  const started = page
    .waitForEvent("websocket")
    .then((ws) => ws.waitForEvent("framereceived", (frame) => String(frame.payload).includes('"started"')));
  await signInAs(page, user, next);
  await started;
}

/** How long a live change may take to show (the machine may be busy). */
const live = { timeout: 10_000 };
/** Two browsers and several round trips: more than the default 30 s when other suites share the machine. */
const SLOW = 90_000;

/** The unread count the bell tells a screen reader (its accessible name), 0 when it names none. */
async function bellCount(page: Page): Promise<number> {
  const snapshot = await page.getByRole("link", { name: /^Notifications/ }).ariaSnapshot();
  const name = snapshot.match(/link "([^"]*)"/)?.[1] ?? "";
  return Number(name.match(/\d+/)?.[0] ?? 0);
}

describe("direct messages", () => {
  it(
    "counts unread messages on the navigation's Messages link, live, until they are read",
    async () => {
      const [erin, finn] = await Promise.all([
        signUpAdmin(server, { firstName: "Erin", lastName: "Engineer" }),
        signUpAdmin(server, { firstName: "Finn", lastName: "Fitter" }),
      ]);
      const { page, problems, context } = await openPage(browser, server.url);
      await signInLive(page, erin, "/tasks");
      const nav = page.getByRole("navigation", { name: "Main" });
      // Nothing unread: the link is named by its label alone.
      await nav.getByRole("link", { name: "Messages", exact: true }).waitFor();
      for (const body of ["Are you on site today?", "The chiller is down again."]) {
        await finn.client.messages.send.mutate({
          recipientId: erin.userId,
          body,
          clientMessageId: crypto.randomUUID(),
        });
      }
      // On another page, the count comes without a reload, and is part of the link's name.
      const unread = nav.getByRole("link", { name: "Messages, 2 unread", exact: true });
      await unread.waitFor(live);
      expect(await unread.getByText("2", { exact: true }).isVisible()).toBe(true);
      expect(await accessibilityViolations(page)).toEqual([]);

      // Reading the conversation clears it.
      await unread.click();
      await page.getByRole("link", { name: /Finn Fitter/ }).click();
      await page
        .getByRole("log", { name: "Messages with Finn Fitter" })
        .getByText("The chiller is down again.")
        .waitFor();
      await nav.getByRole("link", { name: "Messages", exact: true }).waitFor(live);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );

  it(
    "A writes, B gets it live, A sees it delivered then read, a reaction shows on both sides",
    async () => {
      const a = await openPage(browser, server.url);
      const b = await openPage(browser, server.url);
      await signInLive(b.page, bob, "/messages");
      await signInLive(a.page, ada, `/messages/${bob.userId}`);

      await a.page.getByRole("heading", { name: "Bob Builder" }).waitFor();
      await a.page.getByText("No messages yet. Say hello!").waitFor();
      await a.page.getByLabel("Message", { exact: true }).fill("Hello Bob, shall we compare chiller settings?");
      await a.page.getByRole("button", { name: "Send" }).click();

      // B sees the new conversation come in, unread, without reloading.
      const fromAda = b.page.getByRole("link", { name: /Ada Lovelace/ });
      await expect.poll(() => fromAda.textContent(), live).toContain("Hello Bob, shall we compare chiller settings?");
      expect(await fromAda.textContent()).toContain("1 unread message");
      expect(await accessibilityViolations(b.page)).toEqual([]);
      await screenshot(b.page, "messages");

      // B's app is open, so the message reached it: delivered. A's receipt says so live.
      const aLog = a.page.getByRole("log", { name: "Messages with Bob Builder" });
      await aLog.getByText("Delivered", { exact: true }).waitFor();
      // Now that they have a conversation, each may see that the other is online.
      await a.page.getByRole("heading", { name: "Bob Builder Online" }).waitFor();

      // B opens the conversation: it is read, and A sees that too.
      await fromAda.click();
      const bLog = b.page.getByRole("log", { name: "Messages with Ada Lovelace" });
      await bLog.getByText("Hello Bob, shall we compare chiller settings?").waitFor();
      await aLog.getByText("Read", { exact: true }).waitFor();
      await expect.poll(() => fromAda.textContent(), live).not.toContain("unread");

      // B is typing: A sees it; B answers and reacts with a thumbs-up to A's message.
      await b.page.getByLabel("Message", { exact: true }).fill("Sure");
      await a.page.getByText("Bob is typing…").waitFor();
      await b.page.getByLabel("Message", { exact: true }).press("Enter");
      await aLog.getByText("Sure", { exact: true }).waitFor();
      await bLog.getByText("React", { exact: true }).first().click();
      await bLog.getByRole("button", { name: "React with 👍" }).click();
      const thumbs = { name: "👍: 1 reaction" };
      await bLog.getByRole("button", thumbs).waitFor();
      await aLog.getByRole("button", thumbs).waitFor();
      expect(await bLog.getByRole("button", thumbs).getAttribute("aria-pressed")).toBe("true");
      expect(await aLog.getByRole("button", thumbs).getAttribute("aria-pressed")).toBe("false");

      expect(await accessibilityViolations(a.page)).toEqual([]);
      await screenshot(a.page, "conversation");
      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
      await a.context.close();
      await b.context.close();
    },
    SLOW,
  );

  it(
    "starts a conversation from a search, sends a file with upload progress, edits and deletes it live",
    async () => {
      const a = await openPage(browser, server.url);
      const b = await openPage(browser, server.url);
      const carol = await signUpAdmin(server, { firstName: "Carol", lastName: "Chemist" });
      await signInLive(b.page, carol, "/messages");
      await signInLive(a.page, ada, "/messages");

      await a.page.getByRole("button", { name: "New message" }).click();
      const dialog = a.page.getByRole("dialog", { name: "New message" });
      await dialog.getByLabel("Search people").fill("C");
      await dialog.getByRole("button", { name: "Search" }).click();
      await dialog.getByText("At least 2 characters").waitFor();
      await dialog.getByLabel("Search people").fill("Chemist");
      await dialog.getByRole("button", { name: "Search" }).click();
      await dialog.getByRole("link", { name: "Carol Chemist" }).click();
      await a.page.waitForURL(`**/messages/${carol.userId}`);
      await a.page.getByRole("heading", { name: "Carol Chemist" }).waitFor();

      // A slow uplink, so the upload's progress bar is on screen for a while.
      const cdp = await a.context.newCDPSession(a.page);
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 64 * 1024,
      });
      await a.page.getByLabel("Attach files").setInputFiles({
        name: "notes.txt",
        mimeType: "text/plain",
        buffer: Buffer.alloc(160 * 1024, "chiller notes\n"),
      });
      await a.page.getByRole("progressbar", { name: "Uploading notes.txt" }).waitFor();
      expect(await a.page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
      await a.page.getByRole("progressbar").waitFor({ state: "detached" });
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await a.page.getByLabel("Message", { exact: true }).fill("Notes attached");
      await a.page.getByRole("button", { name: "Send" }).click();

      await b.page.getByRole("link", { name: /Ada Lovelace/ }).click();
      const bLog = b.page.getByRole("log", { name: "Messages with Ada Lovelace" });
      const file = bLog.getByRole("link", { name: "notes.txt" });
      await file.waitFor();
      // The recipient may download it (the session cookie of B's browser).
      expect((await b.page.request.get((await file.getAttribute("href")) ?? "")).status()).toBe(200);

      const aLog = a.page.getByRole("log", { name: "Messages with Carol Chemist" });
      await aLog.getByRole("button", { name: "Edit" }).click();
      await aLog.getByLabel("Edit message").fill("Notes attached (second version)");
      await aLog.getByRole("button", { name: "Save" }).click();
      await bLog.getByText("Notes attached (second version)").waitFor();
      await bLog.getByText("edited").waitFor();

      await aLog.getByRole("button", { name: "Delete" }).click();
      await a.page
        .getByRole("dialog", { name: "Delete this message?" })
        .getByRole("button", { name: "Delete for everyone" })
        .click();
      await bLog.getByText("This message was deleted.").waitFor();
      await aLog.getByText("This message was deleted.").waitFor();
      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
      await a.context.close();
      await b.context.close();
    },
    SLOW,
  );

  it(
    "shows the newest messages first and loads older ones on demand",
    async () => {
      const dave = await signUpAdmin(server, { firstName: "Dave", lastName: "Driller" });
      for (let i = 1; i <= 35; i++) {
        await dave.client.messages.send.mutate({
          recipientId: ada.userId,
          body: `Reading ${i}`,
          clientMessageId: crypto.randomUUID(),
        });
      }
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, ada, `/messages/${dave.userId}`);
      const log = page.getByRole("log", { name: "Messages with Dave Driller" });
      await log.getByText("Reading 35", { exact: true }).waitFor();
      expect(await log.getByText("Reading 1", { exact: true }).count()).toBe(0);
      await log.getByRole("button", { name: "Load older messages" }).click();
      await log.getByText("Reading 1", { exact: true }).waitFor();
      expect(await log.getByRole("button", { name: "Load older messages" }).count()).toBe(0);

      // In Arabic the page mirrors (right to left) and says everything in Arabic.
      await page.getByLabel("Language").selectOption("ar");
      await page.getByRole("heading", { name: "الرسائل", level: 1 }).waitFor();
      await page.getByRole("log", { name: "الرسائل مع Dave Driller" }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "conversation-ar");
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );

  it("checks the composer's input, and blocks someone only after a confirmation", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await signInLive(page, bob, `/messages/${ada.userId}`);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Write something or attach a file").waitFor();
    expect(await page.getByLabel("Message", { exact: true }).getAttribute("aria-invalid")).toBe("true");

    await page.getByRole("button", { name: "Block", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Block Ada Lovelace?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.getByLabel("Message", { exact: true }).waitFor();

    await page.getByRole("button", { name: "Block", exact: true }).click();
    await dialog.getByRole("button", { name: "Block" }).click();
    await page.getByText("You blocked this person. Unblock them to send messages.").waitFor();
    expect(await page.getByLabel("Message", { exact: true }).count()).toBe(0);

    await page.getByRole("button", { name: "Unblock", exact: true }).click();
    await page.getByRole("dialog", { name: "Unblock Ada Lovelace?" }).getByRole("button", { name: "Unblock" }).click();
    await page.getByLabel("Message", { exact: true }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("notifications", () => {
  it(
    "the bell counts a new notification live, the list links to it, and reading it counts down",
    async () => {
      const { page, problems, context } = await openPage(browser, server.url);
      const [category] = await bob.client.forums.listCategories.query();
      const topic = await bob.client.forums.createTopic.mutate({
        title: "Chiller trips on high pressure",
        body: "<p>Any ideas?</p>",
        categoryId: (category as { id: string }).id,
        visibility: "platform",
      });
      await signInLive(page, bob, "/notifications");
      await page.getByText("No notifications.").waitFor();
      expect(await bellCount(page)).toBe(0);

      await ada.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Check the condenser fans.</p>" });
      await expect.poll(() => bellCount(page), live).toBe(1);
      const item = page.getByRole("link", { name: "Ada Lovelace replied in “Chiller trips on high pressure”" });
      await item.waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "notifications");

      await item.click();
      await page.waitForURL(`**/forums/topics/${topic.id}#post-*`);
      await expect.poll(() => bellCount(page), live).toBe(0);

      await page.goBack();
      await ada.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>And the refrigerant charge.</p>" });
      await expect.poll(() => bellCount(page), live).toBe(1);
      await expect.poll(() => page.getByText("Unread", { exact: true }).count(), live).toBe(1);
      await page.getByRole("button", { name: "Mark all read" }).click();
      await expect.poll(() => bellCount(page), live).toBe(0);
      await expect.poll(() => page.getByText("Unread", { exact: true }).count(), live).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );

  it("saves preferences: an email setting and quiet hours, with the fields checked first", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, ada, "/notifications/settings");
    const replies = page.getByLabel("Email: Replies to your posts");
    await replies.selectOption("off");
    await page.getByLabel("Hold emails during quiet hours").check();
    await page.getByLabel("From").fill("22:00");
    await page.getByLabel("Until").fill("22:00");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Must differ from start").waitFor();
    expect(await page.getByLabel("Until").getAttribute("aria-invalid")).toBe("true");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "notification-preferences");

    await page.getByLabel("Until").fill("06:30");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").getByText("Saved").waitFor();
    await page.reload();
    expect(await page.getByLabel("Email: Replies to your posts").inputValue()).toBe("off");
    expect(await page.getByLabel("Until").inputValue()).toBe("06:30");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("signing out in one tab", () => {
  it(
    "ends the live session in the other tab, which goes to sign-in and gets no more messages",
    async () => {
      // The other tab asks who is signed in once its stream ends: that answer is a 401.
      const { page, problems, context } = await openPage(browser, server.url, { expected: [/401/] });
      await signInLive(page, ada, `/messages/${bob.userId}`);
      const log = page.getByRole("log", { name: "Messages with Bob Builder" });
      await bob.client.messages.send.mutate({
        recipientId: ada.userId,
        body: "Still there?",
        clientMessageId: crypto.randomUUID(),
      });
      await log.getByText("Still there?").waitFor();

      const other = await context.newPage();
      await other.goto("/");
      await other.getByText("Ada Lovelace", { exact: true }).click();
      await other.getByRole("button", { name: "Sign out" }).click();
      await other.waitForURL("**/sign-in");

      await page.waitForURL(`**/sign-in?next=${encodeURIComponent(`/messages/${bob.userId}`)}`);
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await bob.client.messages.send.mutate({
        recipientId: ada.userId,
        body: "Hello?",
        clientMessageId: crypto.randomUUID(),
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(await page.getByText("Hello?").count()).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    },
    SLOW,
  );
});
