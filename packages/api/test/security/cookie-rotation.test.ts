import { signUpAdmin, startTestServer, type TestServer } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/infra/auth/crypto";

/** Cookie sessions rotate their secret; two API nodes must agree on the result at once. */
let nodeA: TestServer;
let nodeB: TestServer;

beforeAll(async () => {
  // Rotation after 0.72 s of session age, so a test can wait it out.
  nodeA = await startTestServer({ env: { SESSION_ROTATE_HOURS: "0.0002" } });
  nodeB = await startTestServer({ stores: nodeA.stores, env: { SESSION_ROTATE_HOURS: "0.0002" }, runWorker: false });
});
afterAll(async () => {
  await nodeB?.close();
  await nodeA?.close();
});

const sessionCookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith("p2p_session="))
    ?.split(";")[0];

const csrfCookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith("p2p_csrf="))
    ?.split(";")[0]
    ?.slice("p2p_csrf=".length);

async function signInWithCookie() {
  const admin = await signUpAdmin(nodeA);
  const res = await fetch(`${nodeA.url}/trpc/auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { email: admin.email, password: admin.password } }),
  });
  return { cookie: sessionCookieOf(res) ?? "", csrf: csrfCookieOf(res) ?? "" };
}

const cookieSession = async () => (await signInWithCookie()).cookie;

const me = (node: TestServer, cookie: string) => fetch(`${node.url}/trpc/auth.me`, { headers: { cookie } });

describe("cookie rotation across nodes", () => {
  it("a cookie rotated on one node works on the other at once", async () => {
    const old = await cookieSession();
    // Both nodes have the session cached before the rotation.
    expect((await me(nodeA, old)).status).toBe(200);
    expect((await me(nodeB, old)).status).toBe(200);
    // About time itself: the session must get older than SESSION_ROTATE_HOURS to rotate.
    await new Promise((r) => setTimeout(r, 1_000));
    const rotated = sessionCookieOf(await me(nodeA, old));
    expect(rotated).toBeDefined();
    expect((await me(nodeB, rotated as string)).status).toBe(200);
  });

  it("two nodes rotating at once: one rotation wins, and its cookie works on both", async () => {
    const old = await cookieSession();
    await Promise.all([me(nodeA, old), me(nodeB, old)]);
    await new Promise((r) => setTimeout(r, 1_000));
    const answers = await Promise.all([me(nodeA, old), me(nodeB, old), me(nodeA, old), me(nodeB, old)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const issued = answers.map(sessionCookieOf).filter((c): c is string => c !== undefined);
    expect(issued).toHaveLength(1);
    const [winner] = issued as [string];
    expect((await me(nodeA, winner)).status).toBe(200);
    expect((await me(nodeB, winner)).status).toBe(200);
    const sessionId = winner.split("=")[1]?.split(".")[0] as string;
    const row = await nodeA.deps.db
      .selectFrom("sessions")
      .select(["secretHash", "previousSecretHash"])
      .where("id", "=", sessionId)
      .executeTakeFirstOrThrow();
    // The session went through exactly one rotation: its previous secret is the one signed in with.
    const hash = (cookie: string) => sha256(cookie.split(".")[1] as string);
    expect(row.previousSecretHash).toBe(hash(old));
    expect(row.secretHash).toBe(hash(winner));
  });

  it("a session in use ends 90 days after sign-in all the same: rotation extends it no further", async () => {
    const cookie = await cookieSession();
    const sessionId = cookie.split("=")[1]?.split(".")[0] as string;
    const inAnHour = new Date(Date.now() + 3_600_000);
    await sql`update sessions set created_at = now() - interval '100 days', expires_at = ${inAnHour}
      where id = ${sessionId}`.execute(nodeA.deps.db);
    await new Promise((r) => setTimeout(r, 1_000));
    // Node B has not cached the session: it reads the changed row, and the request rotates it.
    const res = await me(nodeB, cookie);
    expect(res.status).toBe(200);
    expect(sessionCookieOf(res)).toBeDefined();
    const row = await nodeA.deps.db
      .selectFrom("sessions")
      .select("expiresAt")
      .where("id", "=", sessionId)
      .executeTakeFirstOrThrow();
    expect(row.expiresAt.getTime()).toBe(inAnHour.getTime());
  });

  it("a write on the request that rotates the cookie is taken with the anti-CSRF token the client holds", async () => {
    const { cookie, csrf } = await signInWithCookie();
    const update = (session: string, token: string, title: string) =>
      fetch(`${nodeA.url}/trpc/users.updateMe`, {
        method: "POST",
        headers: { cookie: session, "x-csrf-token": token, "content-type": "application/json" },
        body: JSON.stringify({ json: { title } }),
      });
    await new Promise((r) => setTimeout(r, 1_000));
    const rotating = await update(cookie, csrf, "Shift lead");
    expect(rotating.status).toBe(200);
    const rotated = sessionCookieOf(rotating);
    const newCsrf = csrfCookieOf(rotating);
    expect(rotated).toBeDefined();
    expect(newCsrf).not.toBe(csrf);
    // From then on the new pair, as the browser now holds it; the old token no longer passes with it.
    expect((await update(rotated as string, newCsrf as string, "Plant manager")).status).toBe(200);
    expect((await update(rotated as string, csrf, "Intruder")).status).toBe(403);
  });
});
