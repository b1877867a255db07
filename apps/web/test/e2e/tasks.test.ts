import { signUpAdmin, type TestServer, type TestUser } from "@p2p/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

// Far from the browser's own zone (UTC here): due dates must be read and shown in the profile's.
const TIME_ZONE = "Pacific/Kiritimati";

/** Pages load lazily and lists refetch after writes: a few seconds on a busy machine. */
const soon = { timeout: 10_000 };
/** A whole journey through several pages: longer than one call's default on a machine running other suites. */
const JOURNEY = 120_000;

let server: TestServer;
let browser: Browser;
let omar: TestUser;

beforeAll(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  omar = await signUpAdmin(server, { firstName: "Omar", lastName: "Saleh" });
  await omar.client.users.updateMe.mutate({ timezone: TIME_ZONE });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A date `days` from today in the user's time zone, as a date input holds it. */
const day = (days: number) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(new Date(Date.now() + days * 86_400_000));

const RENEW = "Renew the calibration certificate";
const ORDER = "Order spare bearings";
const PLAN = "Plan the shutdown";

/** The tasks in the list, in order, by their checkboxes' names. */
const listed = (page: Page) =>
  page
    .getByRole("region", { name: "Your tasks" })
    .getByRole("checkbox")
    .evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).labels?.[0]?.textContent ?? ""));

async function quickAdd(page: Page, title: string, due: string) {
  const add = page.getByRole("form", { name: "Add a task" });
  await add.getByLabel("Task", { exact: true }).fill(title);
  await add.getByLabel("Due date").fill(due);
  await add.getByRole("button", { name: "Add" }).click();
  await page.getByRole("region", { name: "Your tasks" }).getByText(title).waitFor();
}

describe("tasks", () => {
  it(
    "quick-adds tasks with due dates, filters, sorts, completes one and edits another",
    async () => {
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, omar, "/tasks");
      await page.getByRole("heading", { level: 1, name: "Tasks" }).waitFor();
      await page.getByText("No tasks here.").waitFor();

      // A title is needed (checked in the page).
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await expect
        .poll(() => page.getByRole("form", { name: "Add a task" }).getByText("Required").isVisible(), soon)
        .toBe(true);

      await quickAdd(page, RENEW, day(-1));
      await quickAdd(page, ORDER, day(0));
      await quickAdd(page, PLAN, day(3));

      // Open ones by due date: yesterday's is overdue, today's is today's, both in the profile's zone.
      await expect.poll(() => listed(page), soon).toEqual([RENEW, ORDER, PLAN]);
      const item = (title: string) => page.getByRole("listitem").filter({ hasText: title });
      expect(await item(RENEW).textContent()).toContain("Overdue");
      expect(await item(ORDER).textContent()).toContain("Today");
      expect(await item(ORDER).textContent()).toContain("11:59 PM");
      expect(await item(PLAN).textContent()).not.toMatch(/Overdue|Today/);
      expect(await page.getByText("3 tasks").isVisible()).toBe(true);

      await page.getByLabel("Due", { exact: true }).selectOption("overdue");
      await expect.poll(() => listed(page), soon).toEqual([RENEW]);
      await page.getByLabel("Due", { exact: true }).selectOption("week");
      await expect.poll(() => listed(page), soon).toEqual([ORDER, PLAN]);
      await page.getByLabel("Due", { exact: true }).selectOption("");

      await page.getByLabel("Sort by").selectOption("title");
      await expect.poll(() => listed(page), soon).toEqual([ORDER, PLAN, RENEW]);
      await page.getByLabel("Order", { exact: true }).selectOption("desc");
      await expect.poll(() => listed(page), soon).toEqual([RENEW, PLAN, ORDER]);
      await page.getByLabel("Order", { exact: true }).selectOption("asc");

      // Done: it leaves the open ones and shows among the done ones, ticked; the filter survives a reload.
      await page.getByRole("checkbox", { name: ORDER }).check();
      await expect.poll(() => listed(page), soon).toEqual([PLAN, RENEW]);
      await page.getByLabel("Show").selectOption("done");
      await expect.poll(() => listed(page), soon).toEqual([ORDER]);
      await page.reload();
      await expect.poll(() => listed(page), soon).toEqual([ORDER]);
      expect(await page.getByRole("checkbox", { name: ORDER }).isChecked()).toBe(true);
      await page.getByLabel("Show").selectOption("open");

      // Edit: the due time shows in the profile's zone; a new priority and time are saved.
      await page.getByRole("button", { name: `Edit “${PLAN}”` }).click();
      const dialog = page.getByRole("dialog", { name: "Edit the task" });
      expect(await dialog.getByLabel("Due", { exact: true }).inputValue()).toBe(`${day(3)}T23:59`);
      await dialog.getByLabel("Due", { exact: true }).fill(`${day(3)}T08:30`);
      await dialog.getByLabel("Priority").selectOption("high");
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "hidden" });
      await expect.poll(() => item(PLAN).textContent(), soon).toContain("High priority");
      expect(await item(PLAN).textContent()).toContain("8:30 AM");

      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "tasks");

      await page.getByRole("button", { name: `Delete “${RENEW}”` }).click();
      await page.getByRole("dialog", { name: "Delete this task?" }).getByRole("button", { name: "Delete" }).click();
      await expect.poll(() => listed(page), soon).toEqual([PLAN]);
      expect(problems).toEqual([]);
      await context.close();
    },
    JOURNEY,
  );
});

describe("the dashboard", () => {
  it(
    "shows the person's, the organization's and the platform's numbers, linking to their pages",
    async () => {
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, omar, "/");
      await page.getByRole("heading", { level: 1, name: "Welcome, Omar" }).waitFor();
      const you = page.getByRole("region", { name: "You" });
      // From the test above: one open task (the deleted one and the done one are not).
      await expect.poll(() => you.getByRole("link", { name: "1 open task" }).isVisible(), soon).toBe(true);
      expect(await you.getByRole("link", { name: "0 overdue tasks" }).isVisible()).toBe(true);
      const platform = page.getByRole("region", { name: "The platform" });
      expect(await platform.textContent()).toMatch(/\d+ organizations?/);
      await page.getByRole("region", { name: "Activity" }).waitFor();
      await page.getByRole("region", { name: "Trending" }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "dashboard");

      await you.getByRole("link", { name: "1 open task" }).click();
      await page.waitForURL("**/tasks");
      await expect.poll(() => listed(page), soon).toEqual([PLAN]);
      expect(problems).toEqual([]);
      await context.close();
    },
    JOURNEY,
  );
});
