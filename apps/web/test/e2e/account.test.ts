import { lastMail, signUpAdmin, type TestServer, type TestUser, uniqueEmail } from "@p2p/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signInAs, totpCode } from "./flows";
import { accessibilityViolations, launchBrowser, openPage, screenshot, startWebServer } from "./harness";

// Pages load lazily, on a machine busy with other test files: wait for what a user would wait a few seconds for.
vi.setConfig({ expect: { poll: { timeout: 10_000 } } });

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const NEW_PASSWORD = "a brand new passphrase 42";
/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** Waits for the signed-in shell at the dashboard. */
async function onDashboard(page: Page) {
  await page.waitForURL((url) => url.pathname === "/");
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

async function signOutThroughMenu(page: Page) {
  await page.locator("details.menu > summary").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/sign-in");
}

describe("signing up", () => {
  it("creates the organization through the sign-up page and the emailed link, then lands signed in on the dashboard", async () => {
    const { page, problems, context } = await openPage(browser, server.url, { expected: [/400/] });
    const email = uniqueEmail("browser");
    await page.goto("/sign-up");
    await page.getByLabel("Organization name").fill("Dammam Valves");
    await page.getByLabel("Industry").selectOption("oil_and_gas");
    await page.getByLabel("Country").fill("SA");
    await page.getByLabel("City").fill("Dammam");
    await page.getByLabel("First name").fill("Salma");
    await page.getByLabel("Last name").fill("Qahtani");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Check your email");

    const { token } = await lastMail(server, email, { subject: "Confirm your email address" });
    // A link cut short, then a forged one, each say so.
    await page.goto("/complete-sign-up");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("This link is incomplete");
    await page.goto("/complete-sign-up?token=not-a-real-token-at-all");
    await page.getByLabel("Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Finish and sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("This link is invalid or has expired");

    await page.goto(`/complete-sign-up?token=${token}`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Finish creating your account");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "auth-complete-sign-up");
    await page.getByLabel("Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Finish and sign in" }).click();
    await onDashboard(page);
    await page.goto("/organization");
    await expect.poll(() => page.getByLabel("Name", { exact: true }).inputValue()).toBe("Dammam Valves");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("my account", () => {
  let ada: TestUser;
  beforeAll(async () => {
    ada = await signUpAdmin(server, { firstName: "Ada", lastName: "Lovelace" });
  });

  it("edits the profile: fields are checked in the page, saved, and kept", async () => {
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, ada, "/account");
    // A picture: not a text file, but an image, shown at once and removable.
    const upload = page.getByLabel("Upload a new picture");
    await upload.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("Use a PNG, JPEG, WebP or GIF image.");
    await upload.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("img", { name: "Your picture" }).waitFor();
    await page.getByRole("button", { name: "Remove the picture" }).click();
    await expect.poll(() => page.getByRole("img", { name: "Your picture" }).count()).toBe(0);
    const tabs = page.getByRole("navigation", { name: "Account sections" });
    expect(await tabs.getByRole("link", { name: "Profile" }).getAttribute("aria-current")).toBe("page");
    await page.getByLabel("Phone").fill("call me");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByLabel("Phone").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Phone").fill("+966 50 000 0000");
    await page.getByLabel("Job title").fill("Reliability engineer");
    await page.getByLabel("Time zone").selectOption("Asia/Riyadh");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).count()).toBe(1);
    await page.reload();
    await expect.poll(() => page.getByLabel("Job title").inputValue()).toBe("Reliability engineer");
    expect(await page.getByLabel("Time zone").inputValue()).toBe("Asia/Riyadh");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "account-profile");
    // In Arabic the page mirrors (right to left) and says the same in Arabic.
    await page.getByRole("banner").getByLabel("Language").selectOption("ar");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("حسابي");
    expect(await page.evaluate(() => document.documentElement.dir)).toBe("rtl");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "account-profile-ar");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("changes the password (the current one is checked) and lists, ends and signs out every session", async () => {
    const { page, problems, context } = await openPage(browser, server.url, { expected: [/400/] });
    await signInAs(page, ada, "/account/password");
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Current password").fill(ada.password);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Your password is changed");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "account-password");

    // Another session of the same person, as from a second device.
    const other = await openPage(browser, server.url);
    await signInAs(other.page, { email: ada.email, password: NEW_PASSWORD });
    await page.getByRole("link", { name: "Sessions" }).click();
    const sessions = page.getByRole("listitem").filter({ hasText: "Signed in" });
    await expect.poll(() => sessions.count()).toBe(2);
    expect(await sessions.filter({ hasText: "This device" }).count()).toBe(1);
    expect(await sessions.first().textContent()).toContain("Chrome on Linux");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "account-sessions");
    await sessions.filter({ hasNotText: "This device" }).getByRole("button", { name: "Sign out this session" }).click();
    await expect.poll(() => sessions.count()).toBe(1);

    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    const dialog = page.getByRole("dialog", { name: "Sign out everywhere" });
    await dialog.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL("**/sign-in");
    expect(problems).toEqual([]);
    await other.context.close();
    await context.close();
  });
});

describe("confirming an email address", () => {
  it("mails the link again from the profile, and the link confirms the address", async () => {
    const lin = await signUpAdmin(server, { firstName: "Lin", lastName: "Wei" });
    // An account whose address is not confirmed (as one moved in from another sign-in provider).
    await server.deps.db.updateTable("users").set({ emailVerifiedAt: null }).where("id", "=", lin.userId).execute();
    const { page, problems, context } = await openPage(browser, server.url);
    await signInAs(page, lin, "/account");
    await page.getByText(`Your email address ${lin.email} is not confirmed yet.`).waitFor();
    await page.getByRole("button", { name: "Send the confirmation email again" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Sent.");

    const { token } = await lastMail(server, lin.email, { subject: "Confirm your email address" });
    await page.goto(`/verify-email?token=${token}`);
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Your email address is confirmed.");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "auth-verify-email");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.goto("/account");
    await page.getByLabel("First name").waitFor();
    expect(await page.getByText("is not confirmed yet").count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("two-step verification", () => {
  it("is set up from the QR code's key, asked for at the next sign-in (or a recovery code), and turned off with another", async () => {
    const grace = await signUpAdmin(server, { firstName: "Grace", lastName: "Hopper" });
    const { page, problems, context } = await openPage(browser, server.url, { expected: [/401/, /400/] });
    await signInAs(page, grace, "/account/two-factor");
    await page.getByRole("button", { name: "Set up two-step verification" }).click();
    await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
    const secret = (await page.locator(".account-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel("Current password").fill(grace.password);
    await page.getByLabel("Code from your authenticator app").fill(totpCode(secret) === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That code is not valid");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "account-two-factor-setup");
    // The previous step's code: the current one is left for the sign-in below (each code works once).
    await page.getByLabel("Code from your authenticator app").fill(totpCode(secret, -1));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("heading", { name: "Your recovery codes" }).waitFor();
    const codes = await page.locator(".account-codes code").allTextContents();
    expect(codes).toHaveLength(10);
    expect(await page.getByRole("link", { name: "Download as a text file" }).getAttribute("download")).toBeTruthy();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "account-two-factor-codes");
    await page.getByRole("button", { name: "I have saved them" }).click();
    await expect.poll(() => page.getByText("Two-step verification is on").count()).toBe(1);

    await signOutThroughMenu(page);
    await page.getByLabel("Email").fill(grace.email);
    await page.getByLabel("Password").fill(grace.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Two-step verification");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "sign-in-two-factor");
    await page.getByLabel("Authentication code").fill("123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByLabel("Authentication code").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Authentication code").fill(totpCode(secret, 10));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That code is not valid");
    await page.getByLabel("Authentication code").fill(totpCode(secret));
    await page.getByRole("button", { name: "Sign in" }).click();
    await onDashboard(page);

    // Without the phone: a recovery code instead, once.
    await signOutThroughMenu(page);
    await page.getByLabel("Email").fill(grace.email);
    await page.getByLabel("Password").fill(grace.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(codes[1] ?? "");
    await page.getByRole("button", { name: "Sign in" }).click();
    await onDashboard(page);

    await page.goto("/account/two-factor");
    await page.getByLabel("Code from your app, or a recovery code").fill(codes[0] ?? "");
    await page.getByRole("button", { name: "Turn off" }).click();
    await expect.poll(() => page.getByText("Two-step verification is off").count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("forgotten password", () => {
  it("mails a link that sets a new password, and the new one signs in", async () => {
    const alan = await signUpAdmin(server, { firstName: "Alan", lastName: "Turing" });
    const { page, problems, context } = await openPage(browser, server.url);
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("Email").fill(alan.email);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "auth-forgot-password");
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Check your email");

    const { token } = await lastMail(server, alan.email, { subject: "Reset your password" });
    await page.goto(`/reset-password?token=${token}`);
    await page.getByLabel("New password").fill("short");
    await page.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.getByLabel("New password").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Your password is changed");
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "auth-reset-password");
    await signInAs(page, { email: alan.email, password: NEW_PASSWORD });
    expect(problems).toEqual([]);
    await context.close();
  });
});
