import { invalidateUsers } from "@p2p/api";
import type { AppRouter } from "@p2p/client";
import {
  addMember,
  countRows,
  failure,
  lastMail,
  signIn,
  signUpAdmin,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  uniqueEmail,
} from "@p2p/testkit";
import { TRPCClientError } from "@trpc/client";
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearOfTotpPeriodEdge, waitFor } from "./helpers";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    env: { SIGNIN_MAX_FAILURES_PER_ACCOUNT: "3", SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: "3" },
  });
});
afterAll(async () => server?.close());

const signUpInput = (email: string, password = TEST_PASSWORD) => ({
  email,
  password,
  firstName: "Sara",
  lastName: "Ali",
  organization: {
    name: "Gulf Plastics",
    industry: "manufacturing" as const,
    size: "51-200" as const,
    country: "SA",
    city: "Dammam",
  },
});

const count = (table: "users" | "organizations") => countRows(server, table);

describe("auth.signUp and auth.completeSignUp", () => {
  it("emails a link; the link with the same password creates the organization and its verified first admin, and starts a session", async () => {
    const email = uniqueEmail("founder");
    const [users, orgs] = [await count("users"), await count("organizations")];
    expect(await server.client().auth.signUp.mutate(signUpInput(email.toUpperCase()))).toEqual({ ok: true });
    const mail = await lastMail(server, email, { subject: "Confirm your email address" });
    expect(mail.text).toContain(`${server.deps.config.publicUrl}/complete-sign-up?token=${mail.token}`);
    // Nothing exists before the link is used.
    expect([await count("users"), await count("organizations")]).toEqual([users, orgs]);

    const token = mail.token as string;
    const wrong = await failure(server.client().auth.completeSignUp.mutate({ token, password: "not the one I chose" }));
    expect(wrong).toMatchObject({ code: "BAD_REQUEST", fields: ["password"] });
    const result = await server
      .client()
      .auth.completeSignUp.mutate({ token, password: TEST_PASSWORD, tokenType: "bearer" });
    expect(result.user).toMatchObject({ email, firstName: "Sara", role: "admin", emailVerified: true });
    expect(result.organization).toMatchObject({ name: "Gulf Plastics", city: "Dammam", country: "SA" });
    expect(result.permissions).toContain("users.manage");
    expect(result.token).toMatch(/\./);
    const me = await server.client({ token: result.token as string }).auth.me.query();
    expect(me.user.id).toBe(result.user.id);
    const again = await failure(server.client().auth.completeSignUp.mutate({ token, password: TEST_PASSWORD }));
    expect(again.appCode).toBe("INVALID_TOKEN");
  });

  it("answers a taken email, whatever its case, like a free one, creates nothing, and tells the owner by mail", async () => {
    const owner = await signUpAdmin(server);
    const [users, orgs] = [await count("users"), await count("organizations")];
    expect(await server.client().auth.signUp.mutate(signUpInput(owner.email.toUpperCase()))).toEqual({ ok: true });
    const notice = await lastMail(server, owner.email, { subject: "Someone tried to sign up with your email address" });
    expect(notice.token).toBeNull();
    expect([await count("users"), await count("organizations")]).toEqual([users, orgs]);
  });

  it.each([
    ["too short", "short1", /at least 10/],
    ["too common", "password123", /too common/],
    ["the email itself", "EMAIL", /email address/],
  ])("refuses a weak password (%s) with a field error and writes nothing", async (_, password, why) => {
    const email = uniqueEmail("weak");
    const users = await count("users");
    const err = await failure(
      server.client().auth.signUp.mutate(signUpInput(email, password === "EMAIL" ? email : password)),
    );
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.issues?.map((i) => i.path)).toEqual(["password"]);
    expect(err.message).toMatch(why);
    expect(await count("users")).toBe(users);
  });

  it("names every bad field", async () => {
    const err = await failure(
      server.client().auth.signUp.mutate({
        ...signUpInput("not-an-email"),
        organization: { ...signUpInput("x@y.z").organization, country: "Saudi", name: "" },
      }),
    );
    expect(err.issues?.map((i) => i.path).sort()).toEqual(["email", "organization.country", "organization.name"]);
  });
});

describe("auth.signIn and sessions", () => {
  it("gives the same answer for a wrong password and an unknown email", async () => {
    const admin = await signUpAdmin(server);
    const wrong = await failure(
      server.client().auth.signIn.mutate({ email: admin.email, password: "wrong password!" }),
    );
    const unknown = await failure(
      server.client().auth.signIn.mutate({ email: uniqueEmail("nobody"), password: "wrong password!" }),
    );
    expect(wrong).toMatchObject({ code: "UNAUTHORIZED", appCode: "INVALID_CREDENTIALS" });
    expect(unknown.appCode).toBe(wrong.appCode);
    expect(unknown.message).toBe(wrong.message);
  });

  it("anonymous callers get UNAUTHORIZED; a forged token too", async () => {
    expect((await failure(server.client().auth.me.query())).code).toBe("UNAUTHORIZED");
    const admin = await signUpAdmin(server);
    const forged = `${admin.token.split(".")[0]}.${"A".repeat(43)}`;
    expect((await failure(server.client({ token: forged }).auth.me.query())).code).toBe("UNAUTHORIZED");
  });

  it("lists sessions, revokes one, signs out, and signs out everywhere", async () => {
    const admin = await signUpAdmin(server);
    const laptop = await signIn(server, admin.email);
    const phone = await signIn(server, admin.email);
    const { items } = await laptop.client.auth.sessions.list.query();
    expect(items).toHaveLength(3);
    expect(items.filter((s) => s.current).map((s) => s.id)).toEqual([laptop.token.split(".")[0]]);

    await laptop.client.auth.sessions.revoke.mutate({ id: phone.token.split(".")[0] as string });
    expect((await failure(phone.client.auth.me.query())).code).toBe("UNAUTHORIZED");
    const audited = await admin.client.audit.list.query({ action: "auth.sessionRevoked" });
    expect(audited.items).toMatchObject([
      { action: "auth.sessionRevoked", targetType: "session", targetId: phone.token.split(".")[0] },
    ]);

    const other = await signUpAdmin(server);
    const notMine = await failure(
      other.client.auth.sessions.revoke.mutate({ id: admin.token.split(".")[0] as string }),
    );
    expect(notMine.code).toBe("NOT_FOUND");
    await admin.client.auth.me.query(); // untouched

    await laptop.client.auth.signOut.mutate();
    expect((await failure(laptop.client.auth.me.query())).code).toBe("UNAUTHORIZED");
    await admin.client.auth.me.query();
    // Each way a session ends is in the audit log.
    expect((await admin.client.audit.list.query({ action: "auth.signOut" })).items).toMatchObject([
      {
        actor: { id: admin.userId },
        targetType: "session",
        targetId: laptop.token.split(".")[0],
        ip: expect.any(String),
      },
    ]);

    const again = await signIn(server, admin.email);
    await again.client.auth.signOutEverywhere.mutate();
    for (const c of [admin.client, again.client]) expect((await failure(c.auth.me.query())).code).toBe("UNAUTHORIZED");
    const after = await signIn(server, admin.email);
    expect((await after.client.audit.list.query({ action: "auth.signOutEverywhere" })).items).toMatchObject([
      { actor: { id: admin.userId }, targetType: null, ip: expect.any(String) },
    ]);
  });

  it("keeps at most 100 live sessions a user: a new one ends the least recently used, and the list shows them all", async () => {
    const admin = await signUpAdmin(server);
    const sessions = [];
    for (let i = 0; i < 101; i++) sessions.push(await signIn(server, admin.email));
    // The sign-up's own session and the first sign-in were used least recently: both ended.
    for (const gone of [admin, sessions[0]])
      expect((await failure(gone?.client.auth.me.query() as Promise<unknown>)).code).toBe("UNAUTHORIZED");
    const newest = sessions.at(-1) as (typeof sessions)[number];
    const { items } = await newest.client.auth.sessions.list.query();
    expect(items).toHaveLength(100);
    expect(items.filter((s) => s.current).map((s) => s.id)).toEqual([newest.token.split(".")[0]]);
    await sessions[1]?.client.auth.me.query();
  });

  it("rate-limits a brute-force run per account, with a retry-after and an audit entry", async () => {
    const admin = await signUpAdmin(server);
    for (let i = 0; i < 2; i++) {
      const err = await failure(
        server.client().auth.signIn.mutate({ email: admin.email, password: `guess-${i}-xxxx` }),
      );
      expect(err.appCode).toBe("INVALID_CREDENTIALS");
    }
    const third = await failure(server.client().auth.signIn.mutate({ email: admin.email, password: "guess-3-xxxx" }));
    expect(third.appCode).toBe("RATE_LIMITED");
    // Even the right password waits now.
    const blocked = await failure(server.client().auth.signIn.mutate({ email: admin.email, password: admin.password }));
    expect(blocked).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "RATE_LIMITED" });
    expect(blocked.message).toMatch(/Try again in \d+ seconds/);
    const actions = await server.deps.db
      .selectFrom("auditLog")
      .select("action")
      .where("actorId", "=", admin.userId)
      .execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(["auth.signIn.failed", "auth.signIn.rateLimited"]),
    );
  });
});

describe("browser sessions: cookies and anti-CSRF", () => {
  async function cookieSignIn(email: string) {
    const res = await fetch(`${server.url}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email, password: TEST_PASSWORD } }),
    });
    expect(res.status).toBe(200);
    const setCookies = res.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith("p2p_session="));
    const csrf = setCookies.find((c) => c.startsWith("p2p_csrf="));
    return { session, csrf, cookie: [session, csrf].map((c) => c?.split(";")[0]).join("; ") };
  }

  it("sets an httpOnly SameSite=Lax session cookie and a readable CSRF cookie", async () => {
    const admin = await signUpAdmin(server);
    const { session, csrf } = await cookieSignIn(admin.email);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(csrf).not.toMatch(/HttpOnly/);
  });

  it("accepts cookie-authenticated reads, and mutations only with the anti-CSRF header", async () => {
    const admin = await signUpAdmin(server);
    const { cookie } = await cookieSignIn(admin.email);
    const csrfToken = cookie.match(/p2p_csrf=([^;]+)/)?.[1] ?? "";
    const browser = server.client({ cookies: cookie });
    expect((await browser.auth.me.query()).user.email).toBe(admin.email);
    const forged = await failure(browser.auth.resendVerification.mutate());
    expect(forged.code).toBe("FORBIDDEN");
    const withHeader = server.client({ cookies: cookie, headers: { "x-csrf-token": csrfToken } });
    await expect(withHeader.auth.resendVerification.mutate()).resolves.toEqual({ ok: true });
  });
});

describe("password reset and email verification", () => {
  it("resets a password with a single-use emailed link and revokes existing sessions", async () => {
    const admin = await signUpAdmin(server);
    await server.client().auth.requestPasswordReset.mutate({ email: admin.email });
    const { token, subject } = await lastMail(server, admin.email, { subject: "Reset your password" });
    expect(subject).toBe("Reset your password");
    const next = "a brand new passphrase 42";
    await server.client().auth.resetPassword.mutate({ token: token as string, password: next });

    expect((await failure(admin.client.auth.me.query())).code).toBe("UNAUTHORIZED");
    expect((await failure(signIn(server, admin.email, admin.password))).appCode).toBe("INVALID_CREDENTIALS");
    await signIn(server, admin.email, next);
    const reuse = await failure(server.client().auth.resetPassword.mutate({ token: token as string, password: next }));
    expect(reuse.appCode).toBe("INVALID_TOKEN");
  });

  it("says ok for an unknown email and sends nothing", async () => {
    const email = uniqueEmail("ghost");
    await expect(server.client().auth.requestPasswordReset.mutate({ email })).resolves.toEqual({ ok: true });
    expect(await server.deps.mail.outbox(email)).toEqual([]);
  });

  it("refuses an expired reset link", async () => {
    const admin = await signUpAdmin(server);
    await server.client().auth.requestPasswordReset.mutate({ email: admin.email });
    const { token } = await lastMail(server, admin.email, { subject: "Reset your password" });
    await server.deps.db
      .updateTable("authTokens")
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where("userId", "=", admin.userId)
      .execute();
    const err = await failure(
      server.client().auth.resetPassword.mutate({ token: token as string, password: "another passphrase 7" }),
    );
    expect(err.appCode).toBe("INVALID_TOKEN");
    await signIn(server, admin.email); // old password still works
  });

  it("verifies an email once; resending sends a fresh link", async () => {
    const admin = await signUpAdmin(server);
    // An account from before sign-up verified the address (completeSignUp does it now).
    await server.deps.db.updateTable("users").set({ emailVerifiedAt: null }).where("id", "=", admin.userId).execute();
    await invalidateUsers(server.deps.events, [admin.userId]);
    await admin.client.auth.resendVerification.mutate();
    const mails = await server.deps.mail.outbox(admin.email);
    expect(mails.map((m) => m.subject)).toEqual(["Confirm your email address", "Confirm your email address"]);
    const { token } = await lastMail(server, admin.email);
    await server.client().auth.verifyEmail.mutate({ token: token as string });
    await waitFor(async () => (await admin.client.auth.me.query()).user.emailVerified);
    const again = await failure(server.client().auth.verifyEmail.mutate({ token: token as string }));
    expect(again.appCode).toBe("INVALID_TOKEN");
  });
});

describe("two-factor authentication", () => {
  it("is not turned on without the password: a session alone (a stolen cookie) cannot lock the owner out", async () => {
    const admin = await signUpAdmin(server);
    const { secret } = await admin.client.auth.totp.setup.mutate();
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();
    const refused = await failure(admin.client.auth.totp.enable.mutate({ code, password: "not it at all" }));
    expect(refused).toMatchObject({ code: "BAD_REQUEST", fields: ["password"] });
    expect((await admin.client.auth.me.query()).user.totpEnabled).toBe(false);
  });

  it("sets up, enables with a code, requires a code once per step at sign-in, accepts a recovery code once, and disables", async () => {
    const admin = await signUpAdmin(server);
    const { secret, uri } = await admin.client.auth.totp.setup.mutate();
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    // Each code is accepted once, so the steps used here go forward: previous, current, next.
    await clearOfTotpPeriodEdge();
    const codeAt = (steps: number) => totp.generate({ timestamp: Date.now() + steps * 30_000 });

    const wrong = await failure(
      admin.client.auth.totp.enable.mutate({
        code: "000000" === totp.generate() ? "111111" : "000000",
        password: admin.password,
      }),
    );
    expect(wrong.code).toBe("BAD_REQUEST");
    const { recoveryCodes } = await admin.client.auth.totp.enable.mutate({
      code: codeAt(-1),
      password: admin.password,
    });
    expect(recoveryCodes).toHaveLength(10);

    const noCode = await failure(server.client().auth.signIn.mutate({ email: admin.email, password: admin.password }));
    expect(noCode.appCode).toBe("TOTP_REQUIRED");
    const current = codeAt(0);
    await server.client().auth.signIn.mutate({ email: admin.email, password: admin.password, totpCode: current });
    const replayed = await failure(
      server.client().auth.signIn.mutate({ email: admin.email, password: admin.password, totpCode: current }),
    );
    expect(replayed).toMatchObject({ appCode: "INVALID_CREDENTIALS", message: expect.stringMatching(/code is wrong/) });

    const recoveryCode = recoveryCodes[0] as string;
    await server.client().auth.signIn.mutate({ email: admin.email, password: admin.password, recoveryCode });
    const reused = await failure(
      server.client().auth.signIn.mutate({ email: admin.email, password: admin.password, recoveryCode }),
    );
    expect(reused).toMatchObject({ appCode: "INVALID_CREDENTIALS", message: expect.stringMatching(/code is wrong/) });

    await admin.client.auth.totp.disable.mutate({ code: codeAt(1) });
    await signIn(server, admin.email);
    expect((await admin.client.auth.me.query()).user.totpEnabled).toBe(false);
  });
});

describe("sessions across nodes and restarts", () => {
  it("a session revoked on one node stops working on another within seconds", async () => {
    const nodeB = await startTestServer({ stores: server.stores });
    try {
      const admin = await signUpAdmin(server);
      const onB = nodeB.client({ token: admin.token });
      await onB.auth.me.query(); // now cached on node B
      await admin.client.auth.signOut.mutate(); // through node A
      await waitFor(
        async () =>
          await onB.auth.me.query().then(
            () => false,
            () => true,
          ),
        3_000,
      );
    } finally {
      await nodeB.close();
    }
  });

  it("auth.me on another node shows a profile, organization, role or 2FA change right after it", async () => {
    const nodeB = await startTestServer({ stores: server.stores });
    try {
      const admin = await signUpAdmin(server);
      const member = await addMember(server, admin);
      const adminOnB = nodeB.client({ token: admin.token });
      const memberOnB = nodeB.client({ token: member.token });
      // Now cached on node B.
      expect((await adminOnB.auth.me.query()).user.title).toBeNull();
      expect((await memberOnB.auth.me.query()).role).toBe("member");

      // Each change is made through node A; node B answers the next call with it.
      await admin.client.users.updateMe.mutate({ title: "Plant manager", firstName: "Noura" });
      expect((await adminOnB.auth.me.query()).user).toMatchObject({ title: "Plant manager", firstName: "Noura" });

      await admin.client.organizations.update.mutate({ city: "Dammam", description: "Valves and pumps" });
      for (const onB of [adminOnB, memberOnB]) {
        expect((await onB.auth.me.query()).organization).toMatchObject({
          city: "Dammam",
          description: "Valves and pumps",
        });
      }

      await admin.client.users.update.mutate({ id: member.userId, role: "admin" });
      const promoted = await memberOnB.auth.me.query();
      expect(promoted).toMatchObject({ role: "admin", user: { role: "admin" } });
      expect(promoted.permissions).toContain("users.manage");

      const { secret } = await admin.client.auth.totp.setup.mutate();
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
      await admin.client.auth.totp.enable.mutate({ code: totp.generate(), password: admin.password });
      expect((await adminOnB.auth.me.query()).user.totpEnabled).toBe(true);
    } finally {
      await nodeB.close();
    }
  });

  it("a session survives a server restart", async () => {
    const admin = await signUpAdmin(server);
    const restarted = await startTestServer({ stores: server.stores });
    try {
      const me = await restarted.client({ token: admin.token }).auth.me.query();
      expect(me.user.id).toBe(admin.userId);
    } finally {
      await restarted.close();
    }
  });

  it("rotates a cookie session's secret and keeps the old one valid briefly", async () => {
    const node = await startTestServer({ stores: server.stores, env: { SESSION_ROTATE_HOURS: "0.0002" } });
    try {
      const admin = await signUpAdmin(server);
      const signInRes = await fetch(`${node.url}/trpc/auth.signIn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { email: admin.email, password: admin.password } }),
      });
      const oldCookie =
        signInRes.headers
          .getSetCookie()
          .find((c) => c.startsWith("p2p_session="))
          ?.split(";")[0] ?? "";
      // About time itself: the session must get older than SESSION_ROTATE_HOURS (0.72 s) to rotate.
      await new Promise((r) => setTimeout(r, 1_000));
      const res = await fetch(`${node.url}/trpc/auth.me`, { headers: { cookie: oldCookie } });
      expect(res.status).toBe(200);
      const rotated =
        res.headers
          .getSetCookie()
          .find((c) => c.startsWith("p2p_session="))
          ?.split(";")[0] ?? "";
      expect(rotated).toMatch(/^p2p_session=/);
      expect(rotated).not.toBe(oldCookie);
      expect((await fetch(`${node.url}/trpc/auth.me`, { headers: { cookie: rotated } })).status).toBe(200);
      expect((await fetch(`${node.url}/trpc/auth.me`, { headers: { cookie: oldCookie } })).status).toBe(200);
      const hashes = await server.deps.db.selectFrom("sessions").select("secretHash").execute();
      expect(hashes.every((h) => !oldCookie.includes(h.secretHash))).toBe(true);
    } finally {
      await node.close();
    }
  });

  it("hands the rotated cookie over with every answer that rotated it, refusals included", async () => {
    const node = await startTestServer({ stores: server.stores, env: { SESSION_ROTATE_HOURS: "0.0002" } });
    try {
      const admin = await signUpAdmin(server);
      const sessionCookie = (res: Response) =>
        res.headers
          .getSetCookie()
          .find((c) => c.startsWith("p2p_session="))
          ?.split(";")[0];
      let cookie = sessionCookie(
        await fetch(`${node.url}/trpc/auth.signIn`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: { email: admin.email, password: admin.password } }),
        }),
      ) as string;
      // Answers that end before any handler sends cookies: a malformed REST body, an unsubscribe link.
      const refusals = [
        () =>
          fetch(`${node.url}/api/v1/users/me`, {
            method: "PATCH",
            headers: { cookie, "content-type": "application/json" },
            body: "{",
          }),
        () => fetch(`${node.url}/notifications/unsubscribe?token=bogus`, { headers: { cookie } }),
      ];
      for (const refuse of refusals) {
        await new Promise((r) => setTimeout(r, 1_000)); // older than SESSION_ROTATE_HOURS: it rotates
        const res = await refuse();
        expect(res.status).toBe(400);
        const rotated = sessionCookie(res);
        expect(rotated).toMatch(/^p2p_session=/);
        expect(rotated).not.toBe(cookie);
        cookie = rotated as string;
        expect((await fetch(`${node.url}/trpc/auth.me`, { headers: { cookie } })).status).toBe(200);
      }
    } finally {
      await node.close();
    }
  });
});

describe("WebSocket authentication", () => {
  it("authenticates subscriptions with the token in connectionParams, and tells the client when its session ends", async () => {
    const admin = await signUpAdmin(server);
    const other = await signIn(server, admin.email);
    let started!: () => void;
    const live = new Promise<void>((resolve) => {
      started = resolve;
    });
    const ended = new Promise<string>((resolve, reject) => {
      admin.client.auth.onSessionEnded.subscribe(undefined, {
        onStarted: () => started(),
        onData: (e) => resolve(e.reason),
        onError: reject,
      });
    });
    // Revoke once the server has started the subscription: it sends "started" and then, in the
    // same tick, runs the procedure up to where it watches the session.
    await live;
    await other.client.auth.sessions.revoke.mutate({ id: admin.token.split(".")[0] as string });
    expect(await ended).toBe("revoked");
  });

  it("refuses a subscription without credentials", async () => {
    const err = await new Promise<unknown>((resolve) => {
      server.client().auth.onSessionEnded.subscribe(undefined, { onError: resolve });
    });
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
  });

  it("accepts the session cookie on upgrade from an allowed origin only", async () => {
    const admin = await signUpAdmin(server);
    const res = await fetch(`${server.url}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email: admin.email, password: admin.password } }),
    });
    const cookie =
      res.headers
        .getSetCookie()
        .find((c) => c.startsWith("p2p_session="))
        ?.split(";")[0] ?? "";
    // A browser sends its cookie and origin itself; Node's WebSocket takes them as headers.
    const subscribeWith = (origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc`, { headers: { cookie, origin } });
        ws.addEventListener("open", () =>
          ws.send(
            JSON.stringify({
              id: 1,
              method: "subscription",
              params: { path: "auth.onSessionEnded", input: { json: null } },
            }),
          ),
        );
        ws.addEventListener("message", (event) => {
          const msg = JSON.parse(String(event.data));
          if (msg.id !== 1) return;
          ws.close();
          // superjson wraps the error shape in `json`.
          resolve(msg.error ? msg.error.json.data.code : msg.result.type);
        });
      });
    expect(await subscribeWith("http://localhost:5173")).toBe("started");
    expect(await subscribeWith("https://evil.example")).toBe("UNAUTHORIZED");
  });
});
