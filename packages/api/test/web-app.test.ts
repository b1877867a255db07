import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The built web app served by the API (WEB_DIST_DIR, as the production image does). */
const dist = mkdtempSync(join(tmpdir(), "p2p-web-"));
let server: TestServer;
beforeAll(async () => {
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>P2P</title>");
  writeFileSync(join(dist, "assets", "app-1234.js"), "console.log(1)");
  server = await startTestServer({ env: { WEB_DIST_DIR: dist }, runWorker: false });
});
afterAll(async () => {
  await server?.close();
  rmSync(dist, { recursive: true, force: true });
});

const html = { accept: "text/html,application/xhtml+xml" };

describe("the web app", () => {
  it("answers a browser asking for any page with index.html, never cached, under its CSP", async () => {
    for (const path of ["/", "/forums/123"]) {
      const res = await fetch(`${server.url}${path}`, { headers: html });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain("<title>P2P</title>");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    }
    const head = await fetch(`${server.url}/forums/123`, { method: "HEAD", headers: html });
    expect(head.status).toBe(200);
  });

  it("serves hashed assets for a year", async () => {
    const res = await fetch(`${server.url}/assets/app-1234.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  it("leaves API routes, API paths and non-page requests to the API", async () => {
    const health = await fetch(`${server.url}/health`, { headers: html });
    expect(await health.json()).toMatchObject({ status: "ok" });
    for (const [path, init] of [
      ["/trpc/no.such.thing", { headers: html }],
      ["/files/nothing/here", { headers: html }],
      ["/forums/123", { headers: { accept: "application/json" } }],
      ["/forums/123", { method: "POST", headers: html }],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, init);
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
    }
  });
});
