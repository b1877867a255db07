import { crc32, deflateSync } from "node:zlib";
import { signUpAdmin, type TestServer, type TestUser } from "@p2p/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

/** Pages load lazily and lists refetch after writes: a few seconds on a busy machine. */
const soon = { timeout: 10_000 };
/** A whole journey through several pages: longer than one call's default on a machine running other suites. */
const JOURNEY = 120_000;

let server: TestServer;
let browser: Browser;
let samira: TestUser;

beforeAll(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  samira = await signUpAdmin(server, {
    firstName: "Samira",
    lastName: "Haddad",
    organization: { name: "Gulf Extrusion" },
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A solid-colour RGB PNG, written by hand (signature, header, deflated rows, end): a real photo for the pipeline. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(data.length + 12);
    out.writeUInt32BE(data.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc32(typed), data.length + 8);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const row = Buffer.from([0, ...Array.from({ length: width }, () => rgb).flat()]);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const next = (page: Page) => page.getByRole("button", { name: "Save and continue" }).click();
const atStep = (page: Page, step: number) => page.waitForURL(new RegExp(`/use-cases/[0-9a-f-]+/edit\\?step=${step}$`));

describe("submitting a use case", () => {
  it(
    "goes through the five steps with a photo, publishes, and shows in browse with its thumbnail",
    async () => {
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, samira, "/use-cases/new");
      await page.getByRole("heading", { level: 1, name: "Submit a use case" }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "use-cases-submit");

      // Step 1, checked in the page by the server's schema before anything is sent.
      await page.getByLabel("Title", { exact: true }).fill("Line");
      await next(page);
      await expect.poll(() => page.getByText("At least 5 characters").isVisible(), soon).toBe(true);
      expect(await page.getByLabel("Title", { exact: true }).getAttribute("aria-invalid")).toBe("true");
      const title = "Predictive maintenance on extruder line 3";
      await page.getByLabel("Title", { exact: true }).fill(title);
      await page
        .getByLabel("Summary", { exact: true })
        .fill("Vibration sensors and a simple model cut unplanned stops.");
      await page.getByLabel("Industry", { exact: true }).selectOption("manufacturing");
      await page.getByLabel("Technologies", { exact: true }).fill("IoT, Machine learning");
      await page.getByLabel("Tags", { exact: true }).fill("maintenance");
      await next(page);

      await atStep(page, 2);
      await page.getByLabel("Problem", { exact: true }).fill("Gearbox failures stopped line 3 twice a month.");
      await page
        .getByLabel("Solution", { exact: true })
        .fill("Wireless vibration sensors on every gearbox feed an anomaly model.");
      await next(page);

      await atStep(page, 3);
      await page.getByLabel("Cost savings (%)", { exact: true }).fill("18");
      await page.getByLabel("Payback (months)", { exact: true }).fill("9");
      await page.getByRole("button", { name: "Add a metric" }).click();
      await page.getByLabel("Metric 1: name", { exact: true }).fill("Unplanned stops");
      await page.getByLabel("Metric 1: value", { exact: true }).fill("-70");
      await page.getByLabel("Metric 1: unit", { exact: true }).fill("%");
      await page.getByLabel("Vendor name", { exact: true }).fill("SensoTech");
      await page.getByLabel("Website", { exact: true }).fill("https://sensotech.example");
      await next(page);

      // Step 4: the photo uploads (with progress), then its processing status arrives live.
      await atStep(page, 4);
      await page.getByLabel("Add photos or videos", { exact: true }).setInputFiles({
        name: "line3.png",
        mimeType: "image/png",
        buffer: png(480, 320, [51, 102, 153]),
      });
      await page.getByText(/Ready$/).waitFor({ timeout: 20_000 });
      await page.getByLabel("City", { exact: true }).fill("Riyadh");
      await page.getByRole("button", { name: /^Riyadh, Riyadh Region, SA$/ }).click();
      await page.getByText("Riyadh, SA").waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "use-cases-submit-media");
      await next(page);

      await atStep(page, 5);
      await page.getByRole("heading", { name: "Step 5 of 5: Review and publish" }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole("button", { name: "Publish" }).click();

      // The published page, with its photo and figures; a PDF of it on request.
      await page.waitForURL(/\/use-cases\/[0-9a-f-]+$/);
      await page.getByRole("heading", { level: 1, name: title }).waitFor();
      await expect.poll(() => page.getByText("18% cost savings").first().isVisible(), soon).toBe(true);
      const photo = page.getByRole("img", { name: `Photo 1 of ${title}` });
      await expect
        .poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), soon)
        .toBe(480);
      await page.getByRole("button", { name: "Export as PDF" }).click();
      await page.getByRole("link", { name: /^Download .+\.pdf$/ }).waitFor({ timeout: 30_000 });
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "use-cases-detail");

      // Browse: the card, with the photo's thumbnail loaded.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Use cases" }).click();
      const card = page.getByRole("article").filter({ has: page.getByRole("heading", { name: title }) });
      await card.waitFor();
      await expect
        .poll(() => card.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), soon)
        .toBe(true);
      expect(await card.textContent()).toContain("Gulf Extrusion");
      expect(await card.textContent()).toContain("Paid back in 9 months");
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "use-cases-browse");

      // Filters live in the address: a technology nobody used empties the list; near Riyadh finds it.
      await page.getByLabel("Tag", { exact: true }).fill("Maintenance");
      await page.getByRole("button", { name: "Search" }).click();
      await page.waitForURL(/tag=maintenance/);
      await card.waitFor();
      await page.getByLabel("Tag", { exact: true }).fill("");
      await page.getByLabel("Technology", { exact: true }).fill("Blockchain");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByText("No use cases match these filters.").waitFor();
      expect(page.url()).toContain("technology=Blockchain");
      await page.getByLabel("Technology", { exact: true }).fill("");
      await page.getByLabel("Near a city", { exact: true }).fill("Riyadh");
      await page.getByRole("button", { name: /^Riyadh, Riyadh Region, SA$/ }).click();
      await page.getByLabel("Sort by", { exact: true }).selectOption("nearest");
      await page.getByRole("button", { name: "Search" }).click();
      await expect.poll(() => card.textContent(), soon).toMatch(/\d km away/);

      expect(problems).toEqual([]);
      await context.close();
    },
    JOURNEY,
  );

  it(
    "resumes a draft saved at step 2 after a reload, and lists it among the drafts",
    async () => {
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, samira, "/use-cases/new");
      await page.getByLabel("Title", { exact: true }).fill("Compressed air leak survey");
      await next(page);
      await atStep(page, 2);
      await page.getByLabel("Problem", { exact: true }).fill("Compressors ran all night to feed leaks.");
      await page.getByRole("button", { name: "Save draft" }).click();
      await page.getByRole("status").getByText("Draft saved").waitFor();

      await page.reload();
      await page.getByRole("heading", { name: "Step 2 of 5: Problem and solution" }).waitFor();
      expect(await page.getByLabel("Problem", { exact: true }).inputValue()).toBe(
        "Compressors ran all night to feed leaks.",
      );
      await page.getByRole("link", { name: "Basics" }).click();
      await expect
        .poll(() => page.getByLabel("Title", { exact: true }).inputValue(), soon)
        .toBe("Compressed air leak survey");

      await page.goto("/use-cases/new");
      const drafts = page.getByRole("region", { name: "Your drafts" });
      await drafts.getByRole("link", { name: "Compressed air leak survey" }).click();
      await page.waitForURL(/\/edit$/);
      await expect
        .poll(() => page.getByLabel("Title", { exact: true }).inputValue(), soon)
        .toBe("Compressed air leak survey");
      expect(problems).toEqual([]);
      await context.close();
    },
    JOURNEY,
  );

  it(
    "lists a deleted use case under Recently deleted, and restores it from there",
    async () => {
      const draft = await samira.client.useCases.createDraft.mutate({ title: "Heat recovery on kiln 2" });
      const { page, problems, context } = await openPage(browser, server.url);
      await signInAs(page, samira, `/use-cases/${draft.id}`);
      await page.getByRole("heading", { level: 1, name: "Heat recovery on kiln 2" }).waitFor();
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      await page.waitForURL(/\/use-cases$/);

      await page.getByRole("link", { name: "Recently deleted" }).click();
      await page.getByRole("heading", { level: 1, name: "Recently deleted" }).waitFor();
      const item = page.getByRole("listitem").filter({ hasText: "Heat recovery on kiln 2" });
      await item.waitFor(soon);
      expect(await item.textContent()).toContain("Draft");
      expect(await item.textContent()).toMatch(/restorable until/);
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, "use-cases-deleted");

      await item.getByRole("button", { name: "Restore" }).click();
      await page.getByRole("status").getByText("“Heat recovery on kiln 2” is restored.").waitFor(soon);
      await expect.poll(() => item.count(), soon).toBe(0);
      await page.getByRole("status").getByRole("link", { name: "Open it" }).click();
      await page.getByRole("heading", { level: 1, name: "Heat recovery on kiln 2" }).waitFor(soon);
      expect(problems).toEqual([]);
      await context.close();
    },
    JOURNEY,
  );
});
