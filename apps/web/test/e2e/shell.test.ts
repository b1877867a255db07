import { readdirSync } from "node:fs";
import { join } from "node:path";
import { signUpAdmin, type TestServer, type TestUser } from "@p2p/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

/** Pages settle within seconds, also on a machine busy with other browser tests. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 100 });

let server: TestServer;
let browser: Browser;
let ada: TestUser;

beforeAll(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  ada = await signUpAdmin(server, { firstName: "Ada", lastName: "Lovelace" });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the server serves the web app", () => {
  it("answers a page address with index.html, never cached, under a strict Content-Security-Policy", async () => {
    const res = await fetch(`${server.url}/forums/topics/abc`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(await res.text()).toContain('<div id="root">');
  });

  it("caches hashed assets for a year, and keeps API paths the API's", async () => {
    const asset = readdirSync(join(server.deps.config.web.distDir ?? "", "assets")).find((f) => f.endsWith(".js"));
    const res = await fetch(`${server.url}/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(res.headers.get("content-type")).toContain("javascript");
    const api = await fetch(`${server.url}/api/v1/nothing-here`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain('<div id="root">');
    const json = await fetch(`${server.url}/forums`, { headers: { accept: "application/json" } });
    expect(json.status).toBe(404);
  });
});

describe("signing in", () => {
  it("shows a wrong password on the form, then signs in and lands where the user was going", async () => {
    const { page, problems, context } = await openPage(browser, server.url, {
      expected: [/401/, /status of 401/],
    });
    await page.goto("/sign-in?next=/tasks");
    await eventually(() => accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "sign-in");
    await page.getByLabel("Email").fill(ada.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("Email or password is wrong");
    await page.getByLabel("Password").fill(ada.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/tasks");
    await eventually(() => page.getByRole("navigation", { name: "Main" }).isVisible()).toBe(true);
    // The session is an HttpOnly cookie: no script on the page can read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("p2p_session");
    expect((await context.cookies()).find((c) => c.name === "p2p_session")?.httpOnly).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("sends a visitor without a session to sign-in, and validates in the page before sending", async () => {
    const { page, problems, context } = await openPage(browser, server.url, { expected: [/401/] });
    await page.goto("/forums");
    await page.waitForURL("**/sign-in?next=%2Fforums");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("Please correct the highlighted fields");
    expect(await page.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("languages", () => {
  it("switches to Arabic: right-to-left, translated, and remembered", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await page.goto("/sign-in");
    await page.getByLabel("Language").selectOption("ar");
    await eventually(() => page.evaluate(() => document.documentElement.dir)).toBe("rtl");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("ar");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("تسجيل الدخول");
    await page.reload();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("تسجيل الدخول");
    await screenshot(page, "sign-in-ar");
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("moving between pages", () => {
  it("names each page in the title, and moves focus to its heading after a navigation, never on a first load", async () => {
    const [category] = await ada.client.forums.listCategories.query();
    await ada.client.forums.createTopic.mutate({
      title: "Boiler feed pump cavitation",
      categoryId: category?.id ?? "",
      body: "<p>It rattles at low flow.</p>",
      visibility: "organization",
    });
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, ada, "/");
    // A page whose heading greets names the tab by the page.
    await eventually(() => page.title()).toBe("Dashboard · P2P Sandbox");
    const focusedHeading = () =>
      page.evaluate(() => (document.activeElement?.tagName === "H1" ? document.activeElement.textContent : null));

    // A first load: the page is named, and focus stays where the browser puts it.
    await page.goto("/tasks");
    await page.getByRole("heading", { level: 1, name: "Tasks" }).waitFor();
    await eventually(() => page.title()).toBe("Tasks · P2P Sandbox");
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);

    // Through the navigation: the new page's name, and focus on its heading.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Forums" }).click();
    await eventually(() => page.title()).toBe("Forums · P2P Sandbox");
    await eventually(focusedHeading).toBe("Forums");
    // A link in the page, to a page whose heading comes with its data.
    await page.getByRole("link", { name: "Boiler feed pump cavitation" }).click();
    await eventually(() => page.title()).toBe("Boiler feed pump cavitation · P2P Sandbox");
    await eventually(focusedHeading).toMatch(/^Boiler feed pump cavitation/);
    // Back goes to the list again, named and focused as before.
    await page.goBack();
    await eventually(() => page.title()).toBe("Forums · P2P Sandbox");
    await eventually(focusedHeading).toBe("Forums");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("says a page whose address holds a malformed id is not found, as for an unknown id", async () => {
    const unknown = "0190b5a4-0000-7000-8000-000000000000";
    // The unknown topic is asked for, and answered 404: the page says so.
    const { page, problems, context } = await openPage(browser, server.url, { expected: [/404/] });
    await signInAs(page, ada, `/forums/topics/${unknown}`);
    await eventually(() => page.getByText("This page does not exist, or you may not see it.").count()).toBe(1);
    for (const address of ["/forums/topics/not-a-uuid", "/use-cases/not-a-uuid/edit", "/messages/42"]) {
      await page.goto(address);
      await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
      expect(await page.getByText("This page does not exist, or you may not see it.").count()).toBe(1);
      expect(await page.getByText("Please correct the highlighted fields.").count()).toBe(0);
      expect(await page.title()).toBe("Page not found · P2P Sandbox");
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});
