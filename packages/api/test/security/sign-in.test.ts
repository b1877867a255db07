import { type P2PClient, TRPCClientError } from "@p2p/client";
import { failure, lastMail, signUpAdmin, startTestServer, TEST_PASSWORD, type TestServer } from "@p2p/testkit";
import * as OTPAuth from "otpauth";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { clearOfTotpPeriodEdge, fetchFrom } from "../helpers";

/**
 * Sign-in limits (docs/security.md, "Sign-in limits"): attempts count before the password is
 * checked, a stranger cannot lock the owner out of the devices they use, second-factor codes are
 * limited too, the session token is handed over one way only, and TOTP secrets are encrypted.
 */
let server: TestServer;
const LIMITS = { perAccount: 6, perAccountIp: 3, totp: 3 };

beforeAll(async () => {
  server = await startTestServer({
    env: {
      SIGNIN_MAX_FAILURES_PER_ACCOUNT: String(LIMITS.perAccount),
      SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: String(LIMITS.perAccountIp),
      SIGNIN_MAX_FAILURES_PER_IP: "1000",
      TOTP_MAX_FAILURES_PER_USER: String(LIMITS.totp),
    },
  });
});
afterAll(async () => server?.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const from = (ip: string): P2PClient => server.client({ fetch: fetchFrom(ip) });

const signInFrom = (ip: string, email: string, password: string) =>
  from(ip).auth.signIn.mutate({ email, password, tokenType: "bearer" });

/** The app code a call ends with, or "OK". */
const outcome = (call: Promise<unknown>) =>
  call.then(
    () => "OK",
    (err: unknown) => (err instanceof TRPCClientError ? String(err.data?.appCode) : `thrown: ${String(err)}`),
  );

/**
 * Watches the passwords the server checks from now on. A right password gives its point back, so
 * it may free one more check; wrong ones never exceed the limit.
 */
function watchPasswordChecks(rightPassword: string) {
  const spy = vi.spyOn(server.deps.identity, "verifyPassword");
  return {
    wrong: () => spy.mock.calls.filter(([, password]) => password !== rightPassword).length,
    all: () => spy.mock.calls.length,
  };
}

const retryAfterOf = (err: Awaited<ReturnType<typeof failure>>) =>
  (err as { details?: { retryAfter?: number } }).details?.retryAfter;

describe("attempts count before the password is checked", () => {
  it("checks no more passwords than the limit when 40 sign-ins arrive at once (39 wrong, 1 right)", async () => {
    const owner = await signUpAdmin(server);
    const checks = watchPasswordChecks(owner.password);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        outcome(
          server
            .client()
            .auth.signIn.mutate({ email: owner.email, password: i === 20 ? owner.password : `wrong guess ${i}` }),
        ),
      ),
    );
    expect(checks.wrong()).toBeLessThanOrEqual(LIMITS.perAccountIp);
    expect(checks.all()).toBeLessThanOrEqual(LIMITS.perAccountIp + 1);
    expect(outcomes.filter((o) => o === "OK").length).toBeLessThanOrEqual(1);
    expect(outcomes.every((o) => ["OK", "INVALID_CREDENTIALS", "RATE_LIMITED"].includes(o))).toBe(true);
    expect(outcomes.filter((o) => o === "RATE_LIMITED").length).toBeGreaterThanOrEqual(39 - LIMITS.perAccountIp);
  });

  it("right passwords sent at once, or retried, lock nobody out: only checks count, and a refused one checks nothing", async () => {
    const owner = await signUpAdmin(server);
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => outcome(signInFrom("127.0.0.31", owner.email, owner.password))),
    );
    expect(burst).toContain("OK");
    expect(burst.every((o) => o === "OK" || o === "RATE_LIMITED")).toBe(true);
    // Once the burst is over, the owner signs in at once, again and again.
    for (let i = 0; i < 3; i++) expect(await outcome(signInFrom("127.0.0.31", owner.email, owner.password))).toBe("OK");
  });

  it("checks no more current passwords than the limit when 40 users.changePassword calls arrive at once", async () => {
    const user = await signUpAdmin(server);
    const checks = watchPasswordChecks(user.password);
    const next = "a brand new passphrase 42";
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        outcome(
          user.client.users.changePassword.mutate({ current: i === 20 ? user.password : `wrong guess ${i}`, next }),
        ),
      ),
    );
    expect(checks.wrong()).toBeLessThanOrEqual(LIMITS.perAccountIp);
    expect(checks.all()).toBeLessThanOrEqual(LIMITS.perAccountIp + 1);
    expect(outcomes.filter((o) => o === "RATE_LIMITED").length).toBeGreaterThanOrEqual(39 - LIMITS.perAccountIp);
  });
});

describe("a stranger cannot lock the owner out", () => {
  it("an attacker exhausting attempts from IP A does not lock out the owner on IP B, where they signed in before", async () => {
    const owner = await signUpAdmin(server);
    const [ownerIp, attackerIp] = ["127.0.0.2", "127.0.0.3"];
    await signInFrom(ownerIp, owner.email, owner.password); // B becomes a known device
    for (let i = 0; i < LIMITS.perAccount * 2; i++) {
      expect(await outcome(signInFrom(attackerIp, owner.email, `wrong guess ${i}`))).toMatch(
        /^(INVALID_CREDENTIALS|RATE_LIMITED)$/,
      );
    }
    // The attacker's IP is locked for this account, even with the right password…
    const blocked = await failure(signInFrom(attackerIp, owner.email, owner.password));
    expect(blocked.appCode).toBe("RATE_LIMITED");
    expect(retryAfterOf(blocked)).toBeGreaterThan(0);
    // …and the owner signs in from B as usual.
    const session = await signInFrom(ownerIp, owner.email, owner.password);
    expect(session.user.id).toBe(owner.userId);
  });

  it("brute force from many IPs is still bounded by the per-account limit, and the owner's known IP still works", async () => {
    const owner = await signUpAdmin(server);
    const ownerIp = "127.0.0.4";
    await signInFrom(ownerIp, owner.email, owner.password);
    const checks = watchPasswordChecks(owner.password);
    const attackers = Array.from({ length: 10 }, (_, i) => `127.0.1.${i + 1}`);
    const outcomes = await Promise.all(
      attackers.flatMap((ip) => [0, 1, 2].map((n) => outcome(signInFrom(ip, owner.email, `guess ${ip} ${n}`)))),
    );
    expect(checks.all()).toBeLessThanOrEqual(LIMITS.perAccount);
    expect(outcomes.filter((o) => o === "RATE_LIMITED").length).toBeGreaterThanOrEqual(30 - LIMITS.perAccount);
    // A device new to the account waits (the soft limit)…
    expect((await failure(signInFrom("127.0.2.1", owner.email, owner.password))).appCode).toBe("RATE_LIMITED");
    // …the owner's known one does not.
    expect((await signInFrom(ownerIp, owner.email, owner.password)).user.id).toBe(owner.userId);
  });
});

/** A fresh admin with TOTP on; `code(steps)` makes the code `steps` time steps from now. */
async function withTotp() {
  const user = await signUpAdmin(server);
  const { secret } = await user.client.auth.totp.setup.mutate();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
  await clearOfTotpPeriodEdge();
  const code = (steps: number) => totp.generate({ timestamp: Date.now() + steps * 30_000 });
  /** Codes the server refuses: not valid in the accepted window around now. */
  const wrongCodes = (n: number) =>
    Array.from({ length: n * 3 }, (_, i) => String((123_457 * (i + 1)) % 1_000_000).padStart(6, "0"))
      .filter((c) => totp.validate({ token: c, window: 2 }) === null)
      .slice(0, n);
  return { user, secret, totp, code, wrongCodes };
}

describe("second-factor codes are limited per user", () => {
  it("auth.totp.enable: counts wrong codes before checking, then refuses even the right one with RATE_LIMITED and retryAfter", async () => {
    const { user, code, wrongCodes } = await withTotp();
    const outcomes = [];
    for (const wrong of wrongCodes(30))
      outcomes.push(await outcome(user.client.auth.totp.enable.mutate({ code: wrong, password: user.password })));
    expect(outcomes.filter((o) => o === "BAD_REQUEST")).toHaveLength(LIMITS.totp - 1);
    expect(outcomes.slice(LIMITS.totp - 1).every((o) => o === "RATE_LIMITED")).toBe(true);
    const right = await failure(user.client.auth.totp.enable.mutate({ code: code(0), password: user.password }));
    expect(right.appCode).toBe("RATE_LIMITED");
    expect(retryAfterOf(right)).toBeGreaterThan(0);
  });

  it("auth.totp.disable: 30 wrong codes at once get at most the limit checked; the right code then waits", async () => {
    const { user, code, wrongCodes } = await withTotp();
    await user.client.auth.totp.enable.mutate({ code: code(-1), password: user.password });
    const outcomes = await Promise.all(
      wrongCodes(30).map((wrong) => outcome(user.client.auth.totp.disable.mutate({ code: wrong }))),
    );
    expect(outcomes.filter((o) => o === "BAD_REQUEST").length).toBeLessThan(LIMITS.totp);
    expect(outcomes.filter((o) => o === "RATE_LIMITED").length).toBeGreaterThanOrEqual(30 - LIMITS.totp);
    const right = await failure(user.client.auth.totp.disable.mutate({ code: code(0) }));
    expect(right.appCode).toBe("RATE_LIMITED");
    expect(retryAfterOf(right)).toBeGreaterThan(0);
    expect((await user.client.auth.me.query()).user.totpEnabled).toBe(true);
  });
});

describe("the session token reaches the client one way only", () => {
  /** A browser-style call (plain HTTP, JSON body): the answer's body and its Set-Cookie headers. */
  async function post(path: string, input: Record<string, unknown>) {
    const res = await fetch(`${server.url}/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: input }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = (JSON.parse(text) as { result: { data: { json: Record<string, unknown> } } }).result.data.json;
    const session = res.headers
      .getSetCookie()
      .find((c) => c.startsWith("p2p_session="))
      ?.split(";")[0]
      ?.slice("p2p_session=".length);
    return { text, body, session };
  }

  it("a cookie sign-in (the default) gets the HttpOnly cookie and the csrfToken, never the token in the body", async () => {
    const owner = await signUpAdmin(server);
    const { text, body, session } = await post("auth.signIn", { email: owner.email, password: owner.password });
    expect(session).toBeTruthy();
    expect(body.token).toBeUndefined();
    expect(body.csrfToken).toEqual(expect.any(String));
    expect(text).not.toContain(session);
  });

  it("accepting an invitation answers the same way", async () => {
    const admin = await signUpAdmin(server);
    const email = `invited.${Date.now()}@example.com`;
    await admin.client.invitations.create.mutate({ email, role: "member" });
    const { token } = await lastMail(server, email);
    const accepted = await post("invitations.accept", {
      token,
      password: TEST_PASSWORD,
      firstName: "In",
      lastName: "Vited",
    });
    expect(accepted.session).toBeTruthy();
    expect(accepted.body.token).toBeUndefined();
    expect(accepted.text).not.toContain(accepted.session);
  });

  it("a script asks for tokenType bearer: the token in the body, and no cookie", async () => {
    const owner = await signUpAdmin(server);
    const { body, session } = await post("auth.signIn", {
      email: owner.email,
      password: owner.password,
      tokenType: "bearer",
    });
    expect(session).toBeUndefined();
    expect(body.token).toEqual(expect.any(String));
    const me = await server.client({ token: body.token as string }).auth.me.query();
    expect(me.user.id).toBe(owner.userId);
  });
});

describe("TOTP secrets at rest", () => {
  const storedSecret = async (userId: string) =>
    (await server.deps.db.selectFrom("users").select("totpSecret").where("id", "=", userId).executeTakeFirstOrThrow())
      .totpSecret;

  it("stores the secret encrypted, and sign-in with a code still works", async () => {
    const { user, secret, code } = await withTotp();
    const stored = await storedSecret(user.userId);
    expect(stored).not.toBe(secret);
    expect(stored).not.toContain(secret);
    expect(stored).toMatch(/^v1:/);
    await user.client.auth.totp.enable.mutate({ code: code(-1), password: user.password });
    const session = await server
      .client()
      .auth.signIn.mutate({ email: user.email, password: user.password, totpCode: code(0), tokenType: "bearer" });
    expect(session.user.id).toBe(user.userId);
  });

  it("reads a secret stored in plain text before (demo data), and encrypts it once a code from it is accepted", async () => {
    const { user, secret, code } = await withTotp();
    await user.client.auth.totp.enable.mutate({ code: code(-1), password: user.password });
    await server.deps.db.updateTable("users").set({ totpSecret: secret }).where("id", "=", user.userId).execute();
    const session = await server
      .client()
      .auth.signIn.mutate({ email: user.email, password: user.password, totpCode: code(0), tokenType: "bearer" });
    expect(session.user.id).toBe(user.userId);
    expect(await storedSecret(user.userId)).toMatch(/^v1:/);
    await user.client.auth.totp.disable.mutate({ code: code(1) });
  });
});
