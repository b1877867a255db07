import {
  addMember,
  failure,
  lastMail,
  png,
  signIn,
  signUpAdmin,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
  type TestUser,
  uploadFile,
} from "@p2p/testkit";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let otherAdmin: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    env: { SIGNIN_MAX_FAILURES_PER_ACCOUNT: "3", SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: "3" },
  });
  admin = await signUpAdmin(server, { firstName: "Ada", lastName: "Zahrani" });
  member = await addMember(server, admin);
  otherAdmin = await signUpAdmin(server);
});
afterAll(async () => server?.close());

const userRow = (id: string) =>
  server.deps.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

const auditActions = async (targetId: string) =>
  (
    await server.deps.db
      .selectFrom("auditLog")
      .select(["action", "actorId", "metadata"])
      .where("targetId", "=", targetId)
      .orderBy("id")
      .execute()
  ).map((a) => ({ action: a.action, actorId: a.actorId, metadata: a.metadata }));

/** A picture the user uploaded (`options`: png's, e.g. a bomb or a corrupt one). */
async function insertFile(owner: TestUser, options?: Parameters<typeof png>[0]) {
  return (
    await uploadFile(server, owner, { name: "me.png", contentType: "image/png", body: new Uint8Array(png(options)) })
  ).id;
}

describe("users.me and users.updateMe", () => {
  it("shows and edits the caller's own record", async () => {
    const avatarFileId = await insertFile(member);
    const updated = await member.client.users.updateMe.mutate({
      title: "Plant manager",
      phone: "+966 50 123 4567",
      bio: "Lean manufacturing",
      locale: "ar",
      timezone: "Asia/Dubai",
      avatarFileId,
    });
    expect(updated).toMatchObject({ title: "Plant manager", locale: "ar", timezone: "Asia/Dubai", avatarFileId });
    expect(await member.client.users.me.query()).toEqual(updated);
    expect(updated).toMatchObject({ id: member.userId, email: member.email, role: "member", emailVerified: true });
    expect((await member.client.users.updateMe.mutate({ title: null, avatarFileId: null })).title).toBeNull();
  });

  it("rejects bad input with the fields named, and changes nothing", async () => {
    const before = await userRow(member.userId);
    const err = await failure(
      member.client.users.updateMe.mutate({
        firstName: "",
        phone: "call me",
        timezone: "Mars/Olympus",
        locale: "fr" as "en",
      }),
    );
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.fields).toEqual(["firstName", "locale", "phone", "timezone"]);
    expect(await userRow(member.userId)).toEqual(before);
  });

  it("takes a time zone by its name, spelled as the runtime does; not a bare UTC offset", async () => {
    expect((await member.client.users.updateMe.mutate({ timezone: "asia/riyadh" })).timezone).toBe("Asia/Riyadh");
    expect((await member.client.users.updateMe.mutate({ timezone: " Asia/Riyadh " })).timezone).toBe("Asia/Riyadh");
    // Not offsets, nor abbreviations the runtime maps to zones people rarely mean ("AST" is Anchorage).
    for (const offset of ["+03:00", "-05:00", "+0300", "AST", "EST", "SystemV/AST4"])
      expect((await failure(member.client.users.updateMe.mutate({ timezone: offset }))).fields).toEqual(["timezone"]);
    expect((await member.client.users.me.query()).timezone).toBe("Asia/Riyadh");
  });

  it("refuses someone else's file, a decompression bomb and a corrupt image as avatar", async () => {
    const before = await userRow(member.userId);
    const bomb = await insertFile(member, { width: 20_000, height: 20_000 });
    const corrupt = await insertFile(member, { corrupt: true });
    for (const avatarFileId of [await insertFile(admin), uuidv7(), bomb, corrupt]) {
      const err = await failure(member.client.users.updateMe.mutate({ title: "x", avatarFileId }));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.fields).toEqual(["avatarFileId"]);
    }
    expect((await failure(member.client.users.updateMe.mutate({ avatarFileId: bomb }))).message).toMatch(/megapixels/);
    expect(await userRow(member.userId)).toEqual(before);
  });

  it("is for signed-in users", async () => {
    expect((await failure(server.client().users.me.query())).code).toBe("UNAUTHORIZED");
    expect((await failure(server.client().users.updateMe.mutate({ title: "x" }))).code).toBe("UNAUTHORIZED");
  });
});

describe("users.changePassword", () => {
  const next = "a brand new passphrase 42";

  it("changes the password, keeps this session and signs every other one out", async () => {
    const user = await addMember(server, admin);
    const elsewhere = await signIn(server, user.email);
    await user.client.users.changePassword.mutate({ current: TEST_PASSWORD, next });
    expect((await user.client.users.me.query()).id).toBe(user.userId);
    expect((await failure(elsewhere.client.users.me.query())).code).toBe("UNAUTHORIZED");
    expect((await failure(signIn(server, user.email, TEST_PASSWORD))).appCode).toBe("INVALID_CREDENTIALS");
    expect((await signIn(server, user.email, next)).userId).toBe(user.userId);
    const audit = await server.deps.db
      .selectFrom("auditLog")
      .select("action")
      .where("actorId", "=", user.userId)
      .where("action", "=", "users.passwordChanged")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("voids a reset link requested before the change", async () => {
    const user = await addMember(server, admin);
    await server.client().auth.requestPasswordReset.mutate({ email: user.email });
    const { token } = await lastMail(server, user.email, { subject: "Reset your password" });
    await user.client.users.changePassword.mutate({ current: TEST_PASSWORD, next });
    const reset = server
      .client()
      .auth.resetPassword.mutate({ token: token as string, password: "someone else's pass 9" });
    expect((await failure(reset)).appCode).toBe("INVALID_TOKEN");
    expect((await signIn(server, user.email, next)).userId).toBe(user.userId);
  });

  it("needs the right current password and a policy-compliant new one, and changes nothing otherwise", async () => {
    const user = await addMember(server, admin);
    const { passwordHash } = await userRow(user.userId);
    const wrong = await failure(user.client.users.changePassword.mutate({ current: "not my password", next }));
    expect(wrong).toMatchObject({ code: "BAD_REQUEST", fields: ["current"] });
    expect(wrong.message).toMatch(/incorrect/);
    const weak = await failure(
      user.client.users.changePassword.mutate({ current: TEST_PASSWORD, next: "password123" }),
    );
    expect(weak).toMatchObject({ code: "BAD_REQUEST", fields: ["next"] });
    const short = await failure(user.client.users.changePassword.mutate({ current: TEST_PASSWORD, next: "short" }));
    expect(short).toMatchObject({ code: "BAD_REQUEST", fields: ["next"] });
    expect((await userRow(user.userId)).passwordHash).toBe(passwordHash);
  });

  it("locks out guessing of the current password like failed sign-ins (3 here)", async () => {
    const user = await addMember(server, admin);
    const attempt = (current: string) => failure(user.client.users.changePassword.mutate({ current, next }));
    expect((await attempt("guess 1")).appCode).toBe("BAD_REQUEST");
    expect((await attempt("guess 2")).appCode).toBe("BAD_REQUEST");
    expect(await attempt("guess 3")).toMatchObject({
      appCode: "RATE_LIMITED",
      message: expect.stringMatching(/Try again in \d+ seconds/),
    });
    // Even the right password is refused while locked, so the lockout is no oracle.
    expect((await attempt(TEST_PASSWORD)).appCode).toBe("RATE_LIMITED");
  });

  it("is for signed-in users", async () => {
    const err = await failure(server.client().users.changePassword.mutate({ current: TEST_PASSWORD, next }));
    expect(err.code).toBe("UNAUTHORIZED");
  });
});

describe("users.get", () => {
  it("shows email and phone only within the same organization", async () => {
    await member.client.users.updateMe.mutate({ phone: "+966 55 000 1111" });
    const colleague = await admin.client.users.get.query({ id: member.userId });
    expect(colleague).toMatchObject({ id: member.userId, email: member.email, phone: "+966 55 000 1111" });
    expect(colleague.organization.id).toBe(admin.organizationId);
    const stranger = await otherAdmin.client.users.get.query({ id: member.userId });
    expect(stranger).toMatchObject({ id: member.userId, email: null, phone: null, firstName: "Max" });
    expect(stranger.organization).toEqual(colleague.organization);
  });

  it("hides deactivated users from other organizations only", async () => {
    const leaver = await addMember(server, admin);
    await admin.client.users.deactivate.mutate({ id: leaver.userId });
    expect(await member.client.users.get.query({ id: leaver.userId })).toMatchObject({ status: "deactivated" });
    expect((await failure(otherAdmin.client.users.get.query({ id: leaver.userId }))).code).toBe("NOT_FOUND");
  });

  it("answers unknown ids with NOT_FOUND and malformed ones with BAD_REQUEST", async () => {
    expect((await failure(member.client.users.get.query({ id: uuidv7() }))).code).toBe("NOT_FOUND");
    expect(await failure(member.client.users.get.query({ id: "42" }))).toMatchObject({
      code: "BAD_REQUEST",
      fields: ["id"],
    });
  });

  it("is for signed-in users", async () => {
    expect((await failure(server.client().users.get.query({ id: member.userId }))).code).toBe("UNAUTHORIZED");
  });
});

describe("users.list", () => {
  let org: TestUser;
  let lina: TestUser;

  const rename = (user: TestUser, firstName: string, lastName: string) =>
    server.deps.db.updateTable("users").set({ firstName, lastName }).where("id", "=", user.userId).execute();

  beforeAll(async () => {
    org = await signUpAdmin(server, { firstName: "Omar", lastName: "Alpha" });
    lina = await addMember(server, org);
    const faisal = await addMember(server, org, "admin");
    const noura = await addMember(server, org);
    await Promise.all([
      rename(lina, "Lina", "Haddad"),
      rename(faisal, "Faisal", "Haddad"),
      rename(noura, "Noura", "Qahtani"),
    ]);
    await org.client.users.deactivate.mutate({ id: noura.userId });
  });

  it("pages through the admin's own organization by last name, first name", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await org.client.users.list.query({ limit: 1, cursor });
      seen.push(...page.items.map((u) => `${u.firstName} ${u.lastName}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["Omar Alpha", "Faisal Haddad", "Lina Haddad", "Noura Qahtani"]);
    const [first] = (await org.client.users.list.query({})).items;
    expect(first).toMatchObject({ email: org.email, role: "admin", status: "active" });
    expect(first?.lastActiveAt).toBeInstanceOf(Date);
  });

  it("filters by role, status, and name or email", async () => {
    const names = async (input: { role?: "admin"; status?: "deactivated"; q?: string }) =>
      (await org.client.users.list.query(input)).items.map((u) => u.firstName);
    expect(await names({ role: "admin" })).toEqual(["Omar", "Faisal"]);
    expect(await names({ status: "deactivated" })).toEqual(["Noura"]);
    expect(await names({ q: "haddad" })).toEqual(["Faisal", "Lina"]);
    expect(await names({ q: "lina HAD" })).toEqual(["Lina"]);
    expect(await names({ q: lina.email.toUpperCase() })).toEqual(["Lina"]);
    expect(await names({ q: "_" })).toEqual([]);
  });

  it("rejects a forged cursor and bad filters", async () => {
    expect(await failure(org.client.users.list.query({ cursor: "bm90IGpzb24" }))).toMatchObject({
      code: "BAD_REQUEST",
      fields: ["cursor"],
    });
    const err = await failure(org.client.users.list.query({ limit: 0, role: "owner" as "admin" }));
    expect(err).toMatchObject({ code: "BAD_REQUEST", fields: ["limit", "role"] });
  });

  it("is for admins, and never shows another organization's people", async () => {
    expect((await failure(lina.client.users.list.query({}))).code).toBe("FORBIDDEN");
    expect((await failure(server.client().users.list.query({}))).code).toBe("UNAUTHORIZED");
    const theirs = await otherAdmin.client.users.list.query({ limit: 100 });
    expect(theirs.items.map((u) => u.id)).toEqual([otherAdmin.userId]);
  });
});

describe("users.update, users.deactivate, users.reactivate", () => {
  it("promotes and demotes, effective on the very next request, and audits both", async () => {
    const user = await addMember(server, admin);
    expect((await failure(user.client.users.list.query({}))).code).toBe("FORBIDDEN");
    expect(await admin.client.users.update.mutate({ id: user.userId, role: "admin" })).toMatchObject({ role: "admin" });
    expect((await user.client.users.list.query({})).items.length).toBeGreaterThan(1);
    await admin.client.users.update.mutate({ id: user.userId, role: "member" });
    expect((await failure(user.client.users.list.query({}))).code).toBe("FORBIDDEN");
    expect(await auditActions(user.userId)).toEqual([
      { action: "users.roleChanged", actorId: admin.userId, metadata: { from: "member", to: "admin" } },
      {
        action: "users.roleChanged",
        actorId: admin.userId,
        metadata: { from: "admin", to: "member", revokedInvitations: [] },
      },
    ]);
  });

  it("deactivates: existing sessions stop at once and sign-in is refused; reactivation lets them back", async () => {
    const user = await addMember(server, admin);
    expect((await user.client.users.me.query()).id).toBe(user.userId);
    const result = await admin.client.users.deactivate.mutate({ id: user.userId });
    expect(result).toMatchObject({ id: user.userId, status: "deactivated" });
    expect((await failure(user.client.users.me.query())).code).toBe("UNAUTHORIZED");
    const signInErr = await failure(signIn(server, user.email));
    expect(signInErr.appCode).toBe("ACCOUNT_DEACTIVATED");
    const live = await server.deps.db
      .selectFrom("sessions")
      .select("id")
      .where("userId", "=", user.userId)
      .where("revokedAt", "is", null)
      .execute();
    expect(live).toEqual([]);

    expect(await admin.client.users.reactivate.mutate({ id: user.userId })).toMatchObject({ status: "active" });
    expect((await signIn(server, user.email)).userId).toBe(user.userId);
    expect((await auditActions(user.userId)).map((a) => a.action)).toEqual(["users.deactivated", "users.reactivated"]);
  });

  it("rejects bad input with the fields named, and changes nothing", async () => {
    const before = await userRow(member.userId);
    const err = await failure(admin.client.users.update.mutate({ id: "nope", role: "owner" as "admin" }));
    expect(err).toMatchObject({ code: "BAD_REQUEST", fields: ["id", "role"] });
    expect((await failure(admin.client.users.deactivate.mutate({ id: "nope" }))).fields).toEqual(["id"]);
    expect(await userRow(member.userId)).toEqual(before);
  });

  it("cannot make anyone a moderator", async () => {
    const input = { id: member.userId, isModerator: true } as { id: string };
    await admin.client.users.update.mutate(input);
    expect((await userRow(member.userId)).isModerator).toBe(false);
  });

  it("answers NOT_FOUND for another organization's people, FORBIDDEN for members, and changes nothing", async () => {
    const before = await userRow(member.userId);
    for (const call of [
      () => otherAdmin.client.users.update.mutate({ id: member.userId, role: "admin" }),
      () => otherAdmin.client.users.deactivate.mutate({ id: member.userId }),
      () => otherAdmin.client.users.reactivate.mutate({ id: member.userId }),
    ]) {
      expect((await failure(call())).code).toBe("NOT_FOUND");
    }
    const peer = await addMember(server, admin);
    expect((await failure(peer.client.users.deactivate.mutate({ id: member.userId }))).code).toBe("FORBIDDEN");
    expect((await failure(peer.client.users.update.mutate({ id: peer.userId, role: "admin" }))).code).toBe("FORBIDDEN");
    expect((await failure(server.client().users.reactivate.mutate({ id: member.userId }))).code).toBe("UNAUTHORIZED");
    expect(await userRow(member.userId)).toEqual(before);
  });
});

describe("the last active admin", () => {
  it("can be neither demoted nor deactivated", async () => {
    const solo = await signUpAdmin(server);
    await addMember(server, solo);
    for (const call of [
      () => solo.client.users.update.mutate({ id: solo.userId, role: "member" }),
      () => solo.client.users.update.mutate({ id: solo.userId, status: "deactivated" }),
      () => solo.client.users.deactivate.mutate({ id: solo.userId }),
    ]) {
      const err = await failure(call());
      expect(err.appCode).toBe("LAST_ADMIN");
      expect(err.message).toMatch(/make someone else an admin/);
    }
    expect(await userRow(solo.userId)).toMatchObject({ role: "admin", status: "active" });
  });

  it("stays when two admins demote each other at the same moment", async () => {
    for (let round = 0; round < 3; round++) {
      const first = await signUpAdmin(server);
      const second = await addMember(server, first, "admin");
      const results = await Promise.allSettled([
        first.client.users.update.mutate({ id: second.userId, role: "member" }),
        second.client.users.deactivate.mutate({ id: first.userId }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const admins = await server.deps.db
        .selectFrom("users")
        .select("id")
        .where("organizationId", "=", first.organizationId)
        .where("role", "=", "admin")
        .where("status", "=", "active")
        .execute();
      expect(admins).toHaveLength(1);
    }
  });

  it("may step down once another admin exists", async () => {
    const first = await signUpAdmin(server);
    const second = await addMember(server, first, "admin");
    expect(await first.client.users.update.mutate({ id: first.userId, role: "member" })).toMatchObject({
      role: "member",
    });
    expect((await failure(second.client.users.deactivate.mutate({ id: second.userId }))).appCode).toBe("LAST_ADMIN");
  });
});
