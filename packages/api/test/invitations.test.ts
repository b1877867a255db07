import { createHash } from "node:crypto";
import {
  addMember,
  failure,
  lastMail,
  signUpAdmin,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  type TestUser,
  uniqueEmail,
} from "@p2p/testkit";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let otherAdmin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server, { firstName: "Huda", lastName: "Saleh", organization: { name: "Eastern Pumps" } });
  member = await addMember(server, admin);
  otherAdmin = await signUpAdmin(server);
});
afterAll(async () => server?.close());

const invitationRows = (email: string) =>
  server.deps.db.selectFrom("invitations").selectAll().where("email", "=", email).orderBy("createdAt").execute();

/**
 * `count` invitations of `by`'s organization written straight to the table (the API caps how many a
 * sender mails an hour), three to a millisecond; their ids newest first, as the list orders them.
 */
async function bulkInvitations(by: TestUser, count: number): Promise<string[]> {
  const base = Date.now() - 60_000;
  const rows = Array.from({ length: count }, (_, i) => ({
    id: uuidv7(),
    organizationId: by.organizationId,
    email: `bulk${i}-${by.organizationId}@example.com`,
    role: "member" as const,
    tokenHash: createHash("sha256").update(`${by.organizationId}:${i}`).digest("base64url"),
    invitedBy: by.userId,
    expiresAt: new Date(base + 86_400_000),
    createdAt: new Date(base + Math.floor(i / 3)),
  }));
  await server.deps.db.insertInto("invitations").values(rows).execute();
  return rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);
}

/** Invites `email` as `admin` and returns the invitation and the token from the email. */
async function invite(email = uniqueEmail("invitee"), role: "member" | "admin" = "member", by = admin) {
  const invitation = await by.client.invitations.create.mutate({ email, role });
  const { token } = await lastMail(server, email);
  if (!token) throw new Error("no token in the invitation email");
  return { invitation, token, email };
}

const accept = (token: string, overrides: Partial<{ password: string; firstName: string; lastName: string }> = {}) =>
  server.client().invitations.accept.mutate({
    token,
    password: TEST_PASSWORD,
    firstName: "Yousef",
    lastName: "Harbi",
    tokenType: "bearer",
    ...overrides,
  });

describe("invitations.create", () => {
  it("emails a single-use link valid for 7 days, stores only its hash, and audits", async () => {
    const email = uniqueEmail("new");
    const invitation = await admin.client.invitations.create.mutate({ email: email.toUpperCase(), role: "admin" });
    expect(invitation).toMatchObject({ email, role: "admin", status: "pending", invitedBy: admin.userId });
    const days = (invitation.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    const mail = await lastMail(server, email);
    expect(mail.subject).toBe("Huda Saleh invited you to Eastern Pumps on P2P Sandbox");
    expect(mail.text).toContain(`${server.deps.config.publicUrl}/accept-invite?token=${mail.token}`);
    const [row] = await invitationRows(email);
    expect(row?.tokenHash).toBe(
      createHash("sha256")
        .update(mail.token ?? "")
        .digest("base64url"),
    );
    expect(JSON.stringify(row)).not.toContain(mail.token);

    const audit = await server.deps.db
      .selectFrom("auditLog")
      .selectAll()
      .where("targetId", "=", invitation.id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ action: "invitations.created", actorId: admin.userId });
  });

  it("answers an address that already has an account like any other; the mail says so and cannot be accepted", async () => {
    const invitation = await admin.client.invitations.create.mutate({ email: otherAdmin.email, role: "member" });
    expect(invitation).toMatchObject({ email: otherAdmin.email, role: "member", status: "pending" });
    const mail = await lastMail(server, otherAdmin.email);
    expect(mail.subject).toBe("Huda Saleh invited you to Eastern Pumps on P2P Sandbox");
    expect(mail.text).toMatch(/already has a P2P Sandbox account/);
    expect(mail.token).toBeNull();
  });

  it("replaces an open invitation to the same address: the old link stops working", async () => {
    const first = await invite();
    const second = await invite(first.email, "admin");
    expect(second.token).not.toBe(first.token);
    const statuses = (await admin.client.invitations.list.query()).items
      .filter((i) => i.email === first.email)
      .map((i) => [i.id, i.status]);
    expect(statuses).toEqual([
      [second.invitation.id, "pending"],
      [first.invitation.id, "revoked"],
    ]);
    expect((await failure(accept(first.token))).appCode).toBe("INVALID_TOKEN");
    expect((await accept(second.token)).role).toBe("admin");
  });

  it("limits how many emails one address gets", async () => {
    const email = uniqueEmail("spam");
    for (let i = 0; i < 5; i++) await admin.client.invitations.create.mutate({ email, role: "member" });
    const err = await failure(admin.client.invitations.create.mutate({ email, role: "member" }));
    expect(err.appCode).toBe("RATE_LIMITED");
    expect(err.message).toMatch(/Try again in \d+ seconds/);
    expect(await server.deps.mail.outbox(email)).toHaveLength(5);
  });

  it("rejects bad input with the fields named, and writes nothing", async () => {
    const err = await failure(
      admin.client.invitations.create.mutate({ email: "not-an-email", role: "owner" as "admin" }),
    );
    expect(err).toMatchObject({ code: "BAD_REQUEST", fields: ["email", "role"] });
    expect(await invitationRows("not-an-email")).toEqual([]);
    expect(await server.deps.mail.outbox("not-an-email")).toEqual([]);
  });

  it("is for admins only", async () => {
    const email = uniqueEmail("sneaky");
    expect((await failure(member.client.invitations.create.mutate({ email, role: "admin" }))).code).toBe("FORBIDDEN");
    expect((await failure(server.client().invitations.create.mutate({ email, role: "admin" }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect(await invitationRows(email)).toEqual([]);
  });
});

describe("invitations.list", () => {
  it("shows the admin's own organization's invitations, newest first, with their state", async () => {
    const pending = await invite();
    const accepted = await invite();
    await accept(accepted.token);
    const expired = await invite();
    await server.deps.db
      .updateTable("invitations")
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where("id", "=", expired.invitation.id)
      .execute();
    const { items } = await admin.client.invitations.list.query();
    const byId = new Map(items.map((i) => [i.id, i.status]));
    expect(byId.get(pending.invitation.id)).toBe("pending");
    expect(byId.get(accepted.invitation.id)).toBe("accepted");
    expect(byId.get(expired.invitation.id)).toBe("expired");
    const created = items.map((i) => i.createdAt.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it("never shows another organization's invitations", async () => {
    const mine = await invite();
    const theirs = await otherAdmin.client.invitations.list.query();
    expect(theirs.items.map((i) => i.id)).not.toContain(mine.invitation.id);
  });

  it("pages past 100 newest first with keyset cursors, rows of the same millisecond included", async () => {
    const busy = await signUpAdmin(server);
    const ids = await bulkInvitations(busy, 130);
    // Without an input: the first page, as callers from before paging get it.
    const first = await busy.client.invitations.list.query();
    expect(first.items.map((i) => i.id)).toEqual(ids.slice(0, 20));
    for (const limit of [100, 7]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof busy.client.invitations.list.query>> =
          await busy.client.invitations.list.query({ limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(ids);
    }
    // The REST face pages the same way.
    const restPage = async (query: string) => {
      const res = await fetch(`${server.url}/api/v1/invitations?${query}`, {
        headers: { authorization: `Bearer ${busy.token}` },
      });
      const body = (await res.json()) as { items: { id: string }[]; nextCursor: string };
      return { ids: body.items.map((i) => i.id), nextCursor: body.nextCursor };
    };
    const restFirst = await restPage("limit=2");
    expect(restFirst.ids).toEqual(ids.slice(0, 2));
    expect((await restPage(`limit=2&cursor=${restFirst.nextCursor}`)).ids).toEqual(ids.slice(2, 4));
  });

  it("rejects a page size past 100 or a forged cursor with the field named", async () => {
    for (const [input, field] of [
      [{ limit: 0 }, "limit"],
      [{ limit: 101 }, "limit"],
      [{ cursor: "bm90IGEgY3Vyc29y" }, "cursor"],
      [{ cursor: Buffer.from(JSON.stringify(["yesterday", uuidv7()])).toString("base64url") }, "cursor"],
    ] as const) {
      expect(await failure(admin.client.invitations.list.query(input))).toMatchObject({
        code: "BAD_REQUEST",
        fields: [field],
      });
    }
  });

  it("is for admins only", async () => {
    expect((await failure(member.client.invitations.list.query())).code).toBe("FORBIDDEN");
    expect((await failure(server.client().invitations.list.query())).code).toBe("UNAUTHORIZED");
  });
});

describe("invitations.revoke", () => {
  it("kills the link, and audits", async () => {
    const { invitation, token } = await invite();
    expect(await admin.client.invitations.revoke.mutate({ id: invitation.id })).toMatchObject({ status: "revoked" });
    expect((await failure(accept(token))).appCode).toBe("INVALID_TOKEN");
    // Revoking again changes nothing and still answers the invitation.
    expect(await admin.client.invitations.revoke.mutate({ id: invitation.id })).toMatchObject({ status: "revoked" });
    const audit = await server.deps.db
      .selectFrom("auditLog")
      .select("action")
      .where("targetId", "=", invitation.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["invitations.created", "invitations.revoked"]);
  });

  it("refuses to revoke an accepted invitation", async () => {
    const { invitation, token } = await invite();
    await accept(token);
    const err = await failure(admin.client.invitations.revoke.mutate({ id: invitation.id }));
    expect(err).toMatchObject({ code: "CONFLICT", message: "This invitation was already accepted" });
  });

  it("answers NOT_FOUND for another organization's invitation and leaves it working", async () => {
    const { invitation, token } = await invite();
    expect((await failure(otherAdmin.client.invitations.revoke.mutate({ id: invitation.id }))).code).toBe("NOT_FOUND");
    expect((await failure(admin.client.invitations.revoke.mutate({ id: uuidv7() }))).code).toBe("NOT_FOUND");
    expect((await accept(token)).organization.id).toBe(admin.organizationId);
  });

  it("rejects bad input and non-admins", async () => {
    const { invitation } = await invite();
    expect(await failure(admin.client.invitations.revoke.mutate({ id: "x" }))).toMatchObject({
      code: "BAD_REQUEST",
      fields: ["id"],
    });
    expect((await failure(member.client.invitations.revoke.mutate({ id: invitation.id }))).code).toBe("FORBIDDEN");
    expect((await failure(server.client().invitations.revoke.mutate({ id: invitation.id }))).code).toBe("UNAUTHORIZED");
    const [row] = await invitationRows(invitation.email);
    expect(row?.revokedAt).toBeNull();
  });
});

describe("invitations.accept", () => {
  it("creates a verified account in the inviting organization with the invited role, and signs it in", async () => {
    const { email, token } = await invite(undefined, "admin");
    const result = await accept(token);
    expect(result.user).toMatchObject({
      email,
      firstName: "Yousef",
      lastName: "Harbi",
      role: "admin",
      emailVerified: true,
    });
    expect(result.organization.id).toBe(admin.organizationId);
    expect(result.permissions).toContain("users.manage");
    const client = server.client({ token: result.token });
    expect((await client.users.me.query()).id).toBe(result.user.id);
    expect((await client.users.list.query({ q: email })).items.map((u) => u.email)).toEqual([email]);
  });

  it("works once", async () => {
    const { token } = await invite();
    await accept(token);
    const err = await failure(accept(token, { firstName: "Second" }));
    expect(err).toMatchObject({ appCode: "INVALID_TOKEN", message: "This invitation is invalid, used or expired" });
  });

  it("works once even when used twice at the same moment", async () => {
    const { email, token } = await invite();
    const results = await Promise.allSettled([accept(token), accept(token)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const users = await server.deps.db.selectFrom("users").select("id").where("email", "=", email).execute();
    expect(users).toHaveLength(1);
  });

  it("refuses an expired link and creates nobody", async () => {
    const { email, token, invitation } = await invite();
    await server.deps.db
      .updateTable("invitations")
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where("id", "=", invitation.id)
      .execute();
    expect((await failure(accept(token))).appCode).toBe("INVALID_TOKEN");
    expect(await server.deps.db.selectFrom("users").select("id").where("email", "=", email).execute()).toEqual([]);
  });

  it("rejects bad input and weak passwords with the fields named; the link keeps working", async () => {
    const { email, token } = await invite();
    const shape = await failure(accept(token, { password: "short", firstName: "" }));
    expect(shape).toMatchObject({ code: "BAD_REQUEST", fields: ["firstName", "password"] });
    const weak = await failure(accept(token, { password: "password123" }));
    expect(weak).toMatchObject({ code: "BAD_REQUEST", fields: ["password"] });
    const local = email.split("@")[0] ?? "";
    expect((await failure(accept(token, { password: `${local}!x` }))).fields).toEqual(["password"]);
    expect(await server.deps.db.selectFrom("users").select("id").where("email", "=", email).execute()).toEqual([]);
    expect((await accept(token)).user.email).toBe(email);
  });

  it("refuses unknown tokens", async () => {
    expect((await failure(accept("x".repeat(43)))).appCode).toBe("INVALID_TOKEN");
    expect((await failure(accept("short"))).fields).toEqual(["token"]);
  });

  it("answers EMAIL_TAKEN when the address got an account in the meantime", async () => {
    const email = uniqueEmail("race");
    const { token } = await invite(email, "member", otherAdmin);
    await accept((await invite(email)).token);
    expect((await failure(accept(token))).appCode).toBe("EMAIL_TAKEN");
  });
});
