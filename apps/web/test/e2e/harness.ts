import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot, startTestServer, type TestServer, type TestServerOptions } from "@p2p/testkit";
import axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The built app under test: apps/web/dist, or another build's folder (e.g. one per checkout or per developer). */
const distDir = process.env.WEB_DIST_DIR ?? join(webDir, "dist");
const screenshotDir = join(repoRoot, ".local", "screenshots");

/** The built app (scripts/test.sh builds it first; built here when a test runs alone). */
function ensureBuilt(): void {
  if (existsSync(join(distDir, "index.html"))) return;
  execFileSync("pnpm", ["exec", "vite", "build", "--outDir", distDir], { cwd: webDir, stdio: "inherit" });
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/**
 * A real server on this file's own stores that also serves the built web app, on a port known
 * before it starts, so the links and file URLs it writes point at itself.
 */
export async function startWebServer(options: TestServerOptions = {}): Promise<TestServer> {
  ensureBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startTestServer({
    ...options,
    env: { PORT: String(port), PUBLIC_URL: url, WEB_DIST_DIR: distDir, DEV_OUTBOX: "true", ...options.env },
  });
}

/** Debian's Chromium, headless; flags that keep it off the network it cannot reach here. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A browser page that records every console error and failed request: a test ends by asserting none. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

export async function openPage(
  browser: Browser,
  baseURL: string,
  { locale = "en-US", expected = [] as RegExp[] } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed = (text: string) => expected.some((re) => re.test(text));
  page.on("console", (m) => {
    if (m.type() === "error" && !allowed(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const text = `${r.method()} ${r.url()} ${r.failure()?.errorText ?? ""}`;
    // A page left while a stream or request was open is not a failure.
    if (!/ERR_ABORTED/.test(text) && !allowed(text)) problems.push(`request failed: ${text}`);
  });
  page.on("response", (r) => {
    const text = `${r.status()} ${r.request().method()} ${r.url()}`;
    if (r.status() >= 400 && !allowed(text)) problems.push(`response: ${text}`);
  });
  return { page, context, problems };
}

/** Keeps a screenshot of the page as a test artifact (.local/screenshots/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * The page's serious and critical accessibility violations (axe-core). Run through the debugger
 * protocol (`evaluate`), so the app's Content-Security-Policy stays on.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run(document, {
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(", ")}`);
}
