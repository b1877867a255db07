import { invalidateUsers, startWorkers } from "@p2p/api";
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
  type TestUser,
  uniqueEmail,
} from "@p2p/testkit";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchFrom, waitFor } from "../helpers";

/**
 * Security findings (issue 8) about accounts: sign-up, invitations and password reset must not tell
 * whether an address is registered; only verified users send invitations, at a capped rate; a
 * deactivated user's API keys and open invitations end for good. Mail delivery after commit and the
 * outbox sweeper are tested in mail-and-jobs.test.ts.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { MAIL_PER_SENDER_PER_HOUR: "3" } });
});
afterAll(async () => server?.close());

let idleNodes = 0;
/**
 * A second node on the same database whose job queue no worker reads (its own Redis prefix), so a
 * test sees exactly what a request does before any job runs; `startWorkers` then runs the jobs.
 */
async function idleNode() {
  const prefix = `${server.stores.env.REDIS_PREFIX}idle${++idleNodes}:`;
  const node = await startTestServer({ stores: server.stores, runWorker: false, env: { REDIS_PREFIX: prefix } });
  const queue = new Queue("jobs", { connection: { url: server.stores.env.REDIS_URL }, prefix: `${prefix}bull` });
  const waiting = async (name: string) => (await queue.getJobs(["waiting"])).filter((j) => j.name === name).length;
  return {
    node,
    waiting,
    async close() {
      await queue.close();
      await node.close();
    },
  };
}

/** The raw HTTP answer to a tRPC mutation: what anyone outside sees. */
async function post(url: string, path: string, input: unknown) {
  const res = await fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: input }),
  });
  return { status: res.status, contentType: res.headers.get("content-type"), body: await res.text() };
}

const signUpInput = (email: string) => ({
  email,
  password: "a long sign-up passphrase 7",
  firstName: "Mona",
  lastName: "Saad",
  organization: {
    name: "Coastal Valves",
    industry: "manufacturing" as const,
    size: "11-50" as const,
    country: "SA",
    city: "Jubail",
  },
});

const mailCount = async (to: string) => (await server.deps.mail.outbox(to)).length;

describe("registered addresses stay secret", () => {
  it("signUp answers a registered address exactly as a free one: same status, body and request-path work; only the job looks it up", async () => {
    const owner = await signUpAdmin(server);
    const free = uniqueEmail("free");
    const idle = await idleNode();
    try {
      const [users, orgs, ownerMails] = [
        await countRows(server, "users"),
        await countRows(server, "organizations"),
        await mailCount(owner.email),
      ];
      const taken = await post(idle.node.url, "auth.signUp", signUpInput(owner.email));
      const fresh = await post(idle.node.url, "auth.signUp", signUpInput(free));
      expect(taken).toEqual(fresh);
      expect(fresh.status).toBe(200);
      // The same work for both (one password hash, one request row, one job), and nothing else yet.
      const requests = await server.deps.db
        .selectFrom("signupRequests")
        .select(["email", "tokenHash"])
        .where("email", "in", [owner.email, free])
        .execute();
      expect(requests.map((r) => r.email).sort()).toEqual([owner.email, free].sort());
      expect(requests.every((r) => r.tokenHash === null)).toBe(true);
      expect(await idle.waiting("auth.signUpMail")).toBe(2);
      expect([await countRows(server, "users"), await countRows(server, "organizations")]).toEqual([users, orgs]);
      expect([await mailCount(owner.email), await mailCount(free)]).toEqual([ownerMails, 0]);

      // Off the request path: a link for the free address, a notice for the owner of the taken one.
      await startWorkers(idle.node.deps);
      const link = await lastMail(server, free, { subject: "Confirm your email address" });
      expect(link.token).toBeTruthy();
      const notice = await lastMail(server, owner.email, {
        subject: "Someone tried to sign up with your email address",
      });
      expect(notice.token).toBeNull();
      // The owner's account is untouched, and the free address becomes an account only through the link.
      await signIn(server, owner.email);
      expect((await failure(signIn(server, free, "a long sign-up passphrase 7"))).appCode).toBe("INVALID_CREDENTIALS");
      const session = await server.client().auth.completeSignUp.mutate({
        token: link.token as string,
        password: "a long sign-up passphrase 7",
        tokenType: "bearer",
      });
      expect(session.user).toMatchObject({ email: free, emailVerified: true, role: "admin" });
    } finally {
      await idle.close();
    }
  });

  it("requestPasswordReset does the same for a known and an unknown address: it only enqueues; the job mails the known one", async () => {
    const known = await signUpAdmin(server);
    const unknown = uniqueEmail("nobody");
    const idle = await idleNode();
    try {
      const mails = await mailCount(known.email);
      const a = await post(idle.node.url, "auth.requestPasswordReset", { email: known.email });
      const b = await post(idle.node.url, "auth.requestPasswordReset", { email: unknown });
      expect(a).toEqual(b);
      expect(a.status).toBe(200);
      // Nothing depends on the account before the job runs: no token, no mail, no audit entry.
      const tokens = () =>
        server.deps.db.selectFrom("authTokens").select("id").where("userId", "=", known.userId).execute();
      expect(await tokens()).toEqual([]);
      expect(await mailCount(known.email)).toBe(mails);
      expect(await idle.waiting("auth.passwordResetMail")).toBe(2);

      await startWorkers(idle.node.deps);
      const { token } = await lastMail(server, known.email, { subject: "Reset your password" });
      expect(token).toBeTruthy();
      expect(await tokens()).toHaveLength(1);
      await waitFor(async () => (await idle.waiting("auth.passwordResetMail")) === 0);
      expect(await server.deps.mail.outbox(unknown)).toEqual([]);
    } finally {
      await idle.close();
    }
  });

  it("invitations.create answers an address registered in another organization like a fresh one", async () => {
    const admin = await signUpAdmin(server);
    const elsewhere = await signUpAdmin(server);
    const fresh = await admin.client.invitations.create.mutate({ email: uniqueEmail("fresh"), role: "member" });
    const taken = await admin.client.invitations.create.mutate({ email: elsewhere.email, role: "member" });
    expect(Object.keys(taken).sort()).toEqual(Object.keys(fresh).sort());
    expect(taken).toMatchObject({ status: "pending", role: "member", invitedBy: admin.userId, email: elsewhere.email });
    const listed = (await admin.client.invitations.list.query()).items.find((i) => i.id === taken.id);
    expect(listed?.status).toBe("pending");
    // Only the address's owner learns it: the mail says so and carries no link to accept.
    const mail = await lastMail(server, elsewhere.email, { subject: /invited you/ });
    expect(mail.text).toMatch(/already has a P2P Sandbox account/);
    expect(mail.token).toBeNull();
  });
});

describe("sign-up mail cannot be turned against people", () => {
  const confirmations = async (to: string, count: number) =>
    waitFor(async () => {
      const mails = (await server.deps.mail.outbox(to, 50)).filter((m) => m.subject === "Confirm your email address");
      return mails.length >= count && mails;
    }, 10_000);
  const tokenOf = (text: string) => text.match(/[?&]token=([A-Za-z0-9_.-]+)/)?.[1] as string;

  it("a stranger's sign-ups from one place neither hold up the owner's own nor put their words in the mail", async () => {
    const victim = uniqueEmail("victim");
    const stranger = server.client({ fetch: fetchFrom("127.0.0.7") });
    const lure = { ...signUpInput(victim), password: "the stranger's own passphrase 1" };
    lure.organization = { ...lure.organization, name: "URGENT verify at evil.example now" };
    for (let i = 0; i < 6; i++) await stranger.auth.signUp.mutate(lure);
    await confirmations(victim, 5);
    // The owner signs up from where they are: their link comes all the same.
    await server.client().auth.signUp.mutate(signUpInput(victim));
    const mails = await confirmations(victim, 6);
    expect(mails).toHaveLength(6);
    expect(mails.some((m) => /URGENT|evil\.example|Coastal Valves|Mona/.test(m.text))).toBe(false);
    const outcomes = await Promise.all(
      mails.map((m) =>
        server
          .client()
          .auth.completeSignUp.mutate({
            token: tokenOf(m.text),
            password: "a long sign-up passphrase 7",
            tokenType: "bearer",
          })
          .then(
            (r) => r.user.email,
            (e) => (e as { data?: { appCode?: string } }).data?.appCode,
          ),
      ),
    );
    expect(outcomes.filter((o) => o === victim)).toHaveLength(1);
  });

  it("a stranger's password-reset requests from one place do not hold up the owner's own reset mail", async () => {
    const owner = await signUpAdmin(server);
    const resets = async (count: number) =>
      waitFor(async () => {
        const mails = (await server.deps.mail.outbox(owner.email, 50)).filter(
          (m) => m.subject === "Reset your password",
        );
        return mails.length >= count && mails;
      }, 10_000);
    const stranger = server.client({ fetch: fetchFrom("127.0.0.9") });
    for (let i = 0; i < 6; i++) await stranger.auth.requestPasswordReset.mutate({ email: owner.email });
    await resets(5);
    await server.client({ fetch: fetchFrom("127.0.0.10") }).auth.requestPasswordReset.mutate({ email: owner.email });
    expect(await resets(6)).toHaveLength(6);
  });

  it("one IP asks for a bounded number of sign-ups an hour (SIGNUPS_PER_IP_PER_HOUR)", async () => {
    const node = await startTestServer({ stores: server.stores, env: { SIGNUPS_PER_IP_PER_HOUR: "3" } });
    try {
      const spammer = node.client({ fetch: fetchFrom("127.0.0.8") });
      for (let i = 0; i < 3; i++) await spammer.auth.signUp.mutate(signUpInput(uniqueEmail("spam")));
      const refused = await failure(spammer.auth.signUp.mutate(signUpInput(uniqueEmail("spam"))));
      expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "RATE_LIMITED" });
      // Anyone elsewhere still signs up.
      const elsewhere = node.client({ fetch: fetchFrom("127.0.0.9") });
      expect(await elsewhere.auth.signUp.mutate(signUpInput(uniqueEmail("elsewhere")))).toEqual({ ok: true });
    } finally {
      await node.close();
    }
  });

  it("a sign-up link takes five wrong passwords, then is void", async () => {
    const email = uniqueEmail("guessed");
    await server.client().auth.signUp.mutate(signUpInput(email));
    const [mail] = await confirmations(email, 1);
    const complete = (password: string) =>
      server.client().auth.completeSignUp.mutate({ token: tokenOf(mail?.text ?? ""), password, tokenType: "bearer" });
    for (let i = 0; i < 4; i++)
      expect((await failure(complete(`wrong guess number ${i}`))).fields).toEqual(["password"]);
    expect((await failure(complete("wrong guess number 5"))).appCode).toBe("INVALID_TOKEN");
    expect((await failure(complete("a long sign-up passphrase 7"))).appCode).toBe("INVALID_TOKEN");
  });
});

describe("who may send invitation mail, and how much", () => {
  it("refuses an admin whose email is not verified (also through their API key), storing and sending nothing", async () => {
    const admin = await signUpAdmin(server);
    const { key } = await admin.client.apiKeys.create.mutate({ name: "ci", role: "admin" });
    // An account from before sign-up verified the address.
    await server.deps.db.updateTable("users").set({ emailVerifiedAt: null }).where("id", "=", admin.userId).execute();
    await invalidateUsers(server.deps.events, [admin.userId]);
    const email = uniqueEmail("spam-target");
    for (const client of [admin.client, server.client({ token: key })]) {
      const err = await failure(client.invitations.create.mutate({ email, role: "member" }));
      expect(err).toMatchObject({ code: "FORBIDDEN", message: "Confirm your email address before inviting people" });
      expect((err as unknown as { details: { reason: string } }).details.reason).toBe("EMAIL_NOT_VERIFIED");
    }
    expect(await server.deps.db.selectFrom("invitations").select("id").where("email", "=", email).execute()).toEqual(
      [],
    );
    expect(await server.deps.mail.outbox(email)).toEqual([]);
  });

  it("caps the invitations one sender mails per hour (MAIL_PER_SENDER_PER_HOUR), with a retry-after", async () => {
    const admin = await signUpAdmin(server);
    for (let i = 0; i < 3; i++)
      await admin.client.invitations.create.mutate({ email: uniqueEmail("x"), role: "member" });
    const email = uniqueEmail("one-too-many");
    const err = await failure(admin.client.invitations.create.mutate({ email, role: "member" }));
    expect(err).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "RATE_LIMITED" });
    expect(err.message).toMatch(/Try again in \d+ seconds/);
    expect((err as unknown as { details: { retryAfter: number } }).details.retryAfter).toBeGreaterThan(0);
    expect(await server.deps.mail.outbox(email)).toEqual([]);
    // Another sender has a budget of their own.
    const other = await signUpAdmin(server);
    await other.client.invitations.create.mutate({ email, role: "member" });
  });

  it("an organization that used up an address's invitations holds up no other organization's", async () => {
    const [first, second] = [await signUpAdmin(server), await signUpAdmin(server)];
    const email = uniqueEmail("sought-after");
    await server.deps.rateLimits.emailsPerAddress.consume(`invite:${first.organizationId}:${email}`, 5);
    const refused = await failure(first.client.invitations.create.mutate({ email, role: "member" }));
    expect(refused.appCode).toBe("RATE_LIMITED");
    await second.client.invitations.create.mutate({ email, role: "member" });
    expect(await lastMail(server, email, { subject: /invit/i })).toBeTruthy();
  });
});

/** The invitation shows as revoked to its organization's admin, and its link makes no account. */
async function expectRevoked(admin: TestUser, invitationId: string, token: string) {
  const status = (await admin.client.invitations.list.query()).items.find((i) => i.id === invitationId)?.status;
  expect(status).toBe("revoked");
  const accept = server.client().invitations.accept.mutate({
    token,
    password: TEST_PASSWORD,
    firstName: "Late",
    lastName: "Comer",
  });
  expect((await failure(accept)).appCode).toBe("INVALID_TOKEN");
}

describe("deactivation", () => {
  it("revokes the user's API keys and open invitations for good: reactivation brings neither back, on any node", async () => {
    const admin = await signUpAdmin(server);
    const leaver = await addMember(server, admin, "admin");
    const { id: keyId, key } = await leaver.client.apiKeys.create.mutate({ name: "deploy", role: "admin" });
    const invited = uniqueEmail("invited");
    const invitation = await leaver.client.invitations.create.mutate({ email: invited, role: "member" });
    const { token } = await lastMail(server, invited);

    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const there = nodeB.client({ token: key });
      await there.auth.me.query(); // the key is now in node B's cache

      await admin.client.users.deactivate.mutate({ id: leaver.userId });
      await admin.client.users.reactivate.mutate({ id: leaver.userId });

      const here = server.client({ token: key });
      expect((await failure(here.auth.me.query())).code).toBe("UNAUTHORIZED");
      // Node B heard of the revocation over pub/sub, well before its 10 s key cache would expire.
      await waitFor(
        () =>
          there.auth.me.query().then(
            () => false,
            (e) => e.data?.code === "UNAUTHORIZED",
          ),
        1_000,
      );
    } finally {
      await nodeB.close();
    }
    // The user is back, the key and the invitation are not.
    const back = await signIn(server, leaver.email);
    expect((await back.client.apiKeys.list.query()).items.map((k) => k.id)).not.toContain(keyId);
    await expectRevoked(admin, invitation.id, token as string);
    const [entry] = (await admin.client.audit.list.query({ action: "users.deactivated" })).items;
    expect(entry?.metadata).toMatchObject({ revokedApiKeys: [keyId], revokedInvitations: [invitation.id] });
  });
});

describe("demotion", () => {
  it("revokes the open invitations the admin sent: a demoted admin cannot make admins through them", async () => {
    const admin = await signUpAdmin(server);
    const demoted = await addMember(server, admin, "admin");
    const invited = uniqueEmail("second-address");
    const invitation = await demoted.client.invitations.create.mutate({ email: invited, role: "admin" });
    const { token } = await lastMail(server, invited);

    await admin.client.users.update.mutate({ id: demoted.userId, role: "member" });

    await expectRevoked(admin, invitation.id, token as string);
    const [entry] = (await admin.client.audit.list.query({ action: "users.roleChanged" })).items;
    expect(entry?.metadata).toMatchObject({ from: "admin", to: "member", revokedInvitations: [invitation.id] });
  });
});
