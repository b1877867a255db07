import type { Duplex } from "node:stream";
import { signUpAdmin, type TestServer, type TestUser } from "@p2p/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs } from "./flows";
import { launchBrowser, openPage, startWebServer } from "./harness";

let server: TestServer;
let browser: Browser;
let ada: TestUser;
let bo: TestUser;

/** The server side of every WebSocket the browser opened, to cut them as a lost network would. */
const sockets = new Set<Duplex>();

beforeAll(async () => {
  server = await startWebServer();
  server.running.server.on("upgrade", (_req, socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
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

/** The posts (innermost articles: a thread nests its replies) showing `text`. */
const postsWith = (page: Page, text: string) =>
  page
    .getByRole("article")
    .filter({ hasText: text })
    .filter({ hasNot: page.getByRole("article") });

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 200 });

describe("a live page that loses its connection", () => {
  it("says it is reconnecting, and once back shows what it missed, each thing once", { timeout: 90_000 }, async () => {
    const [category] = await ada.client.forums.listCategories.query();
    const topic = await ada.client.forums.createTopic.mutate({
      title: "Hydraulic press loses pressure",
      categoryId: category?.id ?? "",
      body: "<p>Pressure drops after an hour.</p>",
      visibility: "platform",
    });
    // Going offline fails requests and the socket on purpose.
    const { page, context, problems } = await openPage(browser, server.url, {
      expected: [/ERR_INTERNET_DISCONNECTED/, /WebSocket/, /net::ERR/],
    });
    await signInAs(page, ada, `/forums/topics/${topic.id}`);
    await page.getByRole("heading", { level: 1, name: /Hydraulic press loses pressure/ }).waitFor();
    // The topic's live stream is attached once Ada counts among its viewers.
    await page.getByText("1 person viewing").waitFor({ timeout: 20_000 });

    // The network goes away: the browser cannot reach the server, and the open socket is cut.
    await context.setOffline(true);
    for (const socket of sockets) socket.destroy();
    await eventually(() => page.getByRole("status").filter({ hasText: "Reconnecting" }).isVisible()).toBe(true);
    await bo.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Check the seals on the main ram.</p>" });
    await bo.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>And the relief valve setting.</p>" });

    await context.setOffline(false);
    await eventually(() => page.getByRole("status").filter({ hasText: "Reconnecting" }).count()).toBe(0);
    await eventually(() => postsWith(page, "And the relief valve setting.").count()).toBe(1);
    expect(await postsWith(page, "Check the seals on the main ram.").count()).toBe(1);
    // One more reply while connected arrives live, once.
    await bo.client.forums.createPost.mutate({ topicId: topic.id, body: "<p>Seals replaced, holds now.</p>" });
    await eventually(() => postsWith(page, "Seals replaced, holds now.").count()).toBe(1);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await postsWith(page, "Check the seals on the main ram.").count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
