import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { repoRoot, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers";

let server: TestServer;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
});
afterAll(() => server?.close());

/** Runs the CLI the way an operator would, against this test file's stores. */
const moderatorCli = (...args: string[]) =>
  promisify(execFile)(
    resolve(repoRoot, "node_modules/.bin/tsx"),
    [resolve(repoRoot, "packages/api/src/cli/moderator.ts"), ...args],
    { cwd: repoRoot, env: { ...process.env, ...server.stores.env } },
  );

/** The principal the server resolves for a token: cached per node, so it shows the invalidation at work. */
const principalOf = async (token: string) =>
  (
    await server.deps.authenticator.authenticate({
      headers: new Headers({ authorization: `Bearer ${token}` }),
      transport: "http",
    })
  ).principal;

const moderatorEntries = async () =>
  (await admin.client.audit.list.query({ limit: 100 })).items.filter((e) => e.action.startsWith("user.moderator."));

describe("moderator CLI", () => {
  it("grants the flag: the running server applies it within moments and the audit log records it", async () => {
    expect((await admin.client.auth.me.query()).permissions).not.toContain("content.moderate");
    expect((await principalOf(admin.token))?.isModerator).toBe(false); // now cached for 10 s

    const { stdout } = await moderatorCli("grant", admin.email.toUpperCase());
    expect(stdout).toContain("Granted");

    await waitFor(async () => (await admin.client.auth.me.query()).permissions.includes("content.moderate"), 2_000);
    await waitFor(async () => (await principalOf(admin.token))?.isModerator, 2_000);
    const [entry] = await moderatorEntries();
    expect(entry).toMatchObject({
      action: "user.moderator.granted",
      actor: null,
      targetType: "user",
      targetId: admin.userId,
    });
  });

  it("changes nothing when the flag is already set", async () => {
    const { stdout } = await moderatorCli("grant", admin.email);
    expect(stdout).toContain("already");
    expect(await moderatorEntries()).toHaveLength(1);
  });

  it("revokes the flag", async () => {
    await moderatorCli("revoke", admin.email);
    await waitFor(async () => (await principalOf(admin.token))?.isModerator === false, 2_000);
    expect((await admin.client.auth.me.query()).permissions).not.toContain("content.moderate");
    expect((await moderatorEntries()).map((e) => e.action)).toEqual([
      "user.moderator.revoked",
      "user.moderator.granted",
    ]);
  });

  it("fails clearly on an unknown email or bad usage, writing nothing", async () => {
    // Each run pays the CLI's start-up, so the three run side by side.
    await Promise.all([
      expect(moderatorCli("grant", "nobody@example.com")).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining("No user with email nobody@example.com"),
      }),
      expect(moderatorCli("promote", admin.email)).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining("usage:"),
      }),
      expect(moderatorCli("grant", "not-an-email")).rejects.toMatchObject({ code: 2 }),
    ]);
    expect(await moderatorEntries()).toHaveLength(2);
    expect((await principalOf(admin.token))?.isModerator).toBe(false);
  });
});
