import { randomUUID } from "node:crypto";
import {
  dockerAvailable,
  signUpAdmin,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  uniqueEmail,
} from "@p2p/testkit";
import type { StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The image SuperTokens documents for self-hosting; with no POSTGRESQL_* settings it runs on an
// in-memory database, which is all a test needs.
const CORE_IMAGE = "registry.supertokens.io/supertokens/supertokens-postgresql";

// A core from the environment (like every other service URL), else one started with Docker.
const configuredCore = process.env.SUPERTOKENS_CONNECTION_URI;
const docker = !configuredCore && dockerAvailable();
const why = configuredCore
  ? `the core at SUPERTOKENS_CONNECTION_URI`
  : docker
    ? "a SuperTokens core started with Docker"
    : "needs SUPERTOKENS_CONNECTION_URI or a Docker engine for the core; neither here";

describe.skipIf(!configuredCore && !docker)(`SuperTokens provider (${why})`, () => {
  let core: StartedTestContainer | undefined;
  let server: TestServer | undefined;
  const running = () => server as TestServer;

  beforeAll(async () => {
    let uri = configuredCore;
    if (!uri) {
      const { GenericContainer, Wait } = await import("testcontainers");
      core = await new GenericContainer(CORE_IMAGE)
        .withExposedPorts(3567)
        .withWaitStrategy(Wait.forHttp("/hello", 3567))
        .start();
      uri = `http://${core.getHost()}:${core.getMappedPort(3567)}`;
    }
    server = await startTestServer({
      env: { SUPERTOKENS_CONNECTION_URI: uri, SUPERTOKENS_API_KEY: process.env.SUPERTOKENS_API_KEY ?? "" },
    });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await core?.stop();
  });

  const credentialUser = (userId: string) =>
    running()
      .deps.db.selectFrom("users")
      .select(["id", "email", "passwordHash", "externalId"])
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();

  it("is the active provider, and sign-up through the API stores a SuperTokens user id", async () => {
    expect(running().deps.identity.name).toBe("supertokens");
    const admin = await signUpAdmin(running());
    const user = await credentialUser(admin.userId);
    expect(user.passwordHash).toBeNull();
    expect(user.externalId).toEqual(expect.any(String));
    await expect(admin.client.auth.me.query()).resolves.toMatchObject({ user: { id: admin.userId } });
  });

  it("creates credentials and checks passwords against them", async () => {
    const { identity } = running().deps;
    const email = uniqueEmail("st");
    const created = await identity.createCredentials({ id: randomUUID(), email }, TEST_PASSWORD);
    expect(created).toEqual({ passwordHash: null, externalId: expect.any(String) });
    const user = { id: randomUUID(), email, ...created };

    expect(await identity.verifyPassword(user, TEST_PASSWORD)).toBe(true);
    expect(await identity.verifyPassword(user, "not the password")).toBe(false);
    // The right password of another SuperTokens user does not prove this one.
    expect(await identity.verifyPassword({ ...user, externalId: randomUUID() }, TEST_PASSWORD)).toBe(false);
    await expect(identity.createCredentials({ id: randomUUID(), email }, TEST_PASSWORD)).rejects.toThrow(
      /already has an account/,
    );
  });

  it("starts, resolves, lists and revokes sessions", async () => {
    const { identity } = running().deps;
    const admin = await signUpAdmin(running());
    const other = await signUpAdmin(running());
    const issued = await identity.startSession(admin.userId, {
      remember: true,
      userAgent: "vitest",
      ip: "203.0.113.9",
    });
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now());

    expect(await identity.resolveSession(issued.token, { rotate: true })).toEqual({
      sessionId: issued.sessionId,
      userId: admin.userId,
      remember: true,
    });
    expect(await identity.resolveSession(`${issued.token}x`, { rotate: false })).toBeNull();
    expect(await identity.resolveSession("not-a-token", { rotate: false })).toBeNull();

    const sessions = await identity.listSessions(admin.userId);
    expect(sessions).toHaveLength(2); // the sign-up session and this one
    expect(sessions).toContainEqual(
      expect.objectContaining({
        id: issued.sessionId,
        userAgent: "vitest",
        ip: "203.0.113.9",
        expiresAt: issued.expiresAt,
      }),
    );

    // Another user cannot revoke it; its owner can, and the token stops working at once.
    expect(await identity.revokeSessions(other.userId, { sessionId: issued.sessionId })).toBe(0);
    expect(await identity.revokeSessions(admin.userId, { sessionId: issued.sessionId })).toBe(1);
    expect(await identity.resolveSession(issued.token, { rotate: false })).toBeNull();

    // "Everywhere" ends the sign-up session too, so the API no longer accepts its bearer token.
    expect(await identity.revokeSessions(admin.userId, {})).toBe(1);
    await expect(admin.client.auth.me.query()).rejects.toThrow();
    expect(await identity.listSessions(admin.userId)).toEqual([]);
    await expect(other.client.auth.me.query()).resolves.toMatchObject({ user: { id: other.userId } });
  });

  it("serves the SDK's own /auth routes through the Hono app, limited to our session model", async () => {
    const { url, deps } = running();
    const admin = await signUpAdmin(running());
    const bearer = { authorization: `Bearer ${admin.token}` };
    const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const formFields = [
      { id: "email", value: admin.email },
      { id: "password", value: TEST_PASSWORD },
    ];

    // Sign-up and sign-in belong to our auth procedures: the SDK's routes for them fall through to our 404.
    for (const path of ["/auth/signup", "/auth/signin"]) {
      const res = await post(path, { formFields });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    }

    // The verification status comes from our users table, answered by the SDK.
    const isVerified = async () => {
      const res = await fetch(`${url}/auth/user/email/verify`, { headers: bearer });
      expect(res.status).toBe(200);
      return ((await res.json()) as { status: string; isVerified: boolean }).isVerified;
    };
    expect(await isVerified()).toBe(false);
    await deps.db.updateTable("users").set({ emailVerifiedAt: new Date() }).where("id", "=", admin.userId).execute();
    expect(await isVerified()).toBe(true);

    // Sign-out through the SDK ends our session on every node at once, though the API just cached it.
    await expect(admin.client.auth.me.query()).resolves.toMatchObject({ user: { id: admin.userId } });
    const signOut = await post("/auth/signout", undefined, bearer);
    expect(signOut.status).toBe(200);
    expect(await signOut.json()).toEqual({ status: "OK" });
    await expect(admin.client.auth.me.query()).rejects.toThrow();
    expect(await deps.identity.listSessions(admin.userId)).toEqual([]);
  });

  it("sets a new password", async () => {
    const { identity } = running().deps;
    const admin = await signUpAdmin(running());
    const user = await credentialUser(admin.userId);
    await expect(identity.setPassword(user, "a brand new passphrase")).resolves.toEqual({
      passwordHash: null,
      externalId: user.externalId,
    });
    expect(await identity.verifyPassword(user, "a brand new passphrase")).toBe(true);
    expect(await identity.verifyPassword(user, TEST_PASSWORD)).toBe(false);
  });
});
