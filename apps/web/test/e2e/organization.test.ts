import { addMember, lastMail, signUpAdmin, type TestServer, type TestUser, uniqueEmail } from "@p2p/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signInAs } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

// Pages load lazily, on a machine busy with other test files: wait for what a user would wait a few seconds for.
vi.setConfig({ expect: { poll: { timeout: 10_000 } } });

let server: TestServer;
let browser: Browser;
let admin: TestUser;

/** A 1×1 PNG: the smallest image the server takes as a logo. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

beforeAll(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  admin = await signUpAdmin(server, {
    firstName: "Omar",
    lastName: "Admin",
    organization: { name: "Jubail Pumps" },
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the organization's profile", () => {
  it("lets the admin edit it and upload a logo; a member reads it and sees no admin tabs", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, admin, "/organization");
    const tabs = page.getByRole("navigation", { name: "Organization sections" });
    await expect
      .poll(() => tabs.getByRole("link").allTextContents())
      .toEqual(["Profile", "Members", "Invitations", "API keys", "Audit log"]);
    await page.getByLabel("Website").fill("not a url");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByLabel("Website").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Website").fill("https://pumps.example.com");
    await page.getByLabel("Description").fill("Centrifugal pumps for desalination plants.");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).count()).toBe(1);
    await page.getByLabel("Upload a new logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
    const logo = page.getByRole("img", { name: "Logo of Jubail Pumps" });
    await logo.waitFor();
    await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "organization-profile");
    expect(problems).toEqual([]);
    await context.close();

    const member = await addMember(server, admin);
    const other = await openPage(browser, server.url);
    await signInAs(other.page, member, "/organization");
    const memberTabs = other.page.getByRole("navigation", { name: "Organization sections" });
    await expect.poll(() => memberTabs.getByRole("link").allTextContents()).toEqual(["Profile", "Members"]);
    await other.page.getByText("Centrifugal pumps for desalination plants.").waitFor();
    await other.page.getByRole("img", { name: "Logo of Jubail Pumps" }).waitFor();
    expect(await other.page.getByRole("textbox").count()).toBe(0);
    // An admin tab's address says it is not allowed, and nothing is asked of the server.
    await other.page.goto("/organization/api-keys");
    await expect.poll(() => other.page.getByRole("alert").textContent()).toContain("not allowed");
    expect(other.problems).toEqual([]);
    await other.context.close();
  });
});

describe("people", () => {
  it("invites someone through the page; they accept in their own browser and the admin sees them among the members", async () => {
    const { page, problems, context } = await openPage(browser, server.url, { expected: [/400/] });
    await signInAs(page, admin, "/organization/invitations");
    const email = uniqueEmail("invitee");
    await page.getByLabel("Email").fill("nobody@");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect.poll(() => page.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain(`Invitation sent to ${email}`);
    const row = page.getByRole("row").filter({ hasText: email });
    await expect.poll(() => row.textContent()).toContain("Pending");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "organization-invitations");

    const { token } = await lastMail(server, email);
    const invitee = await openPage(browser, server.url);
    await invitee.page.goto(`/accept-invite?token=${token}`);
    expect(await accessibilityViolations(invitee.page)).toEqual([]);
    await screenshot(invitee.page, "auth-accept-invite");
    await invitee.page.getByLabel("First name").fill("Nadia");
    await invitee.page.getByLabel("Last name").fill("Haddad");
    await invitee.page.getByLabel("Password").fill("a long enough passphrase");
    await invitee.page.getByRole("button", { name: "Create my account" }).click();
    await invitee.page.waitForURL((url) => url.pathname === "/");
    await invitee.page.getByRole("navigation", { name: "Main" }).waitFor();
    expect(invitee.problems).toEqual([]);
    await invitee.context.close();

    await page.reload();
    await expect.poll(() => row.textContent()).toContain("Accepted");
    await page.getByRole("link", { name: "Members" }).click();
    // Her row among the active members (the deactivated ones have "Reactivate" instead).
    const nadia = page
      .getByRole("listitem")
      .filter({ hasText: "Nadia Haddad" })
      .filter({ has: page.getByRole("button", { name: "Deactivate" }) });
    await nadia.waitFor();
    expect(await nadia.textContent()).toContain(email);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "organization-members");

    // Make her an admin, then deactivate her (after a confirmation) and bring her back.
    await nadia.getByLabel("Role of Nadia Haddad").selectOption("admin");
    const roleOf = async () =>
      (await server.deps.db.selectFrom("users").select("role").where("email", "=", email).executeTakeFirstOrThrow())
        .role;
    await expect.poll(roleOf).toBe("admin");
    await nadia.getByRole("button", { name: "Deactivate" }).click();
    await page
      .getByRole("dialog", { name: "Deactivate Nadia Haddad?" })
      .getByRole("button", { name: "Deactivate" })
      .click();
    const deactivated = page.getByRole("region", { name: "Deactivated members" });
    await deactivated.getByText("Nadia Haddad").waitFor();
    await expect.poll(() => nadia.count()).toBe(0);
    await deactivated.getByRole("button", { name: "Reactivate" }).click();
    await expect.poll(() => nadia.count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("searches colleagues by name; a plain member sees them without admin controls", async () => {
    const member = await addMember(server, admin);
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, member, "/organization/members");
    await page.getByRole("listitem").filter({ hasText: "Omar Admin" }).waitFor();
    expect(await page.getByRole("button", { name: "Deactivate" }).count()).toBe(0);
    await page.getByLabel("Search members").fill("omar");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator(".org-member").count()).toBe(1);
    await page.getByLabel("Search members").fill("no such person");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No members match.").waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("API keys", () => {
  it("shows a new key once, in a dialog with a copy button, and never again", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signInAs(page, admin, "/organization/api-keys");
    await page.getByText("No API keys yet.").waitFor();
    await page.getByLabel("Key name").fill("ERP sync");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog", { name: "Your new API key" });
    const key = await dialog.getByLabel("The key").inputValue();
    expect(key.length).toBeGreaterThan(30);
    await dialog.getByRole("button", { name: "Copy the key" }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "organization-api-key-created");
    // The key is real: it reads the organization's members.
    const ids = (await server.client({ token: key }).organizations.members.query({})).items.map((m) => m.id);
    expect(ids).toContain(admin.userId);

    await dialog.getByRole("button", { name: "I have copied it" }).click();
    const row = page.getByRole("row").filter({ hasText: "ERP sync" });
    await row.waitFor();
    expect(await page.content()).not.toContain(key);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(key);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "organization-api-keys");

    await row.getByRole("button", { name: "Revoke" }).click();
    await page
      .getByRole("dialog", { name: "Revoke the key “ERP sync”?" })
      .getByRole("button", { name: "Revoke" })
      .click();
    await page.getByText("No API keys yet.").waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("the audit log", () => {
  it("lists what happened, newest first, filtered by action and person", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, admin, "/organization/audit");
    const rows = page.getByRole("row").filter({ hasNot: page.getByRole("columnheader") });
    await page.getByRole("table").waitFor();
    expect(await rows.count()).toBeGreaterThan(3);
    await page.getByLabel("Action").fill("apiKey.created");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("Omar Admin");
    await page.getByLabel("Action").fill("");
    await page.getByLabel("Person").selectOption({ label: "Omar Admin" });
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(async () => (await rows.allTextContents()).every((r) => r.includes("Omar Admin"))).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "organization-audit");
    expect(problems).toEqual([]);
    await context.close();
  });
});
