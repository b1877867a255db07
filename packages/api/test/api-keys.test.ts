import { createHash } from "node:crypto";
import { MAX_API_KEYS_PER_ORG } from "@p2p/schemas";
import { addMember, makeModerator, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let other: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
  member = await addMember(server, admin);
  other = await signUpAdmin(server);
});
afterAll(() => server?.close());

const rejection = (code: string) => ({ data: expect.objectContaining({ code }) });
const createKey = (role: "admin" | "member" = "admin", user = admin) =>
  user.client.apiKeys.create.mutate({ name: `${role} key`, role });
const keyCount = async (orgId: string) =>
  (await server.deps.db.selectFrom("apiKeys").select("id").where("organizationId", "=", orgId).execute()).length;

describe("apiKeys", () => {
  it("creates a key, shows its token once and stores only the secret's hash", async () => {
    const created = await admin.client.apiKeys.create.mutate({ name: "  CI deploy ", role: "admin" });
    expect(created).toMatchObject({ name: "CI deploy", role: "admin", createdAt: expect.any(Date) });
    expect(created.key).toMatch(new RegExp(`^p2pk_${created.id}\\.[A-Za-z0-9_-]{43}$`));
    const secret = created.key.split(".")[1] ?? "";

    const row = await server.deps.db
      .selectFrom("apiKeys")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.secretHash).toBe(createHash("sha256").update(secret).digest("base64url"));
    expect(JSON.stringify(row)).not.toContain(secret);

    const list = await admin.client.apiKeys.list.query();
    expect(list.items[0]).toEqual({
      id: created.id,
      name: "CI deploy",
      role: "admin",
      createdBy: { id: admin.userId, name: "Ada Admin" },
      lastUsedAt: null,
      createdAt: created.createdAt,
    });
    expect(JSON.stringify(list)).not.toContain(secret);

    const audit = await admin.client.audit.list.query({ action: "apiKey.created" });
    expect(audit.items[0]).toMatchObject({
      actor: { id: admin.userId },
      targetType: "apiKey",
      targetId: created.id,
      metadata: { name: "CI deploy", role: "admin" },
    });
  });

  it("works as a bearer token acting as its creator, and records when it was last used", async () => {
    const { id, key } = await createKey("admin");
    const viaKey = server.client({ token: key });
    const me = await viaKey.auth.me.query();
    expect(me.user.id).toBe(admin.userId);
    expect(me.organization.id).toBe(admin.organizationId);

    const listed = (await viaKey.apiKeys.list.query()).items.find((k) => k.id === id);
    expect(listed?.lastUsedAt?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    // Stamped at most hourly: later uses leave it alone.
    await viaKey.auth.me.query();
    expect((await admin.client.apiKeys.list.query()).items.find((k) => k.id === id)?.lastUsedAt).toEqual(
      listed?.lastUsedAt,
    );
  });

  it("limits a member-role key to member access, and no key can mint keys", async () => {
    const memberKey = server.client({ token: (await createKey("member")).key });
    expect((await memberKey.auth.me.query()).user.id).toBe(admin.userId);
    await expect(memberKey.apiKeys.list.query()).rejects.toMatchObject(rejection("FORBIDDEN"));
    await expect(memberKey.audit.list.query({})).rejects.toMatchObject(rejection("FORBIDDEN"));

    const before = await keyCount(admin.organizationId);
    const adminKey = server.client({ token: (await createKey("admin")).key });
    await expect(adminKey.apiKeys.create.mutate({ name: "child", role: "admin" })).rejects.toMatchObject(
      rejection("FORBIDDEN"),
    );
    expect(await keyCount(admin.organizationId)).toBe(before + 1);
  });

  it("shows, as users.me and auth.me, the role the key acts with rather than its creator's", async () => {
    // A moderator creator: a key never acts as a moderator either.
    const owner = await signUpAdmin(server);
    await makeModerator(server, owner);
    const key = (await createKey("member", owner)).key;
    const me = await server.client({ token: key }).users.me.query();
    expect(me).toMatchObject({ id: owner.userId, role: "member", isModerator: false });
    const session = await server.client({ token: key }).auth.me.query();
    expect(session.user).toMatchObject({ id: owner.userId, role: "member", isModerator: false });
    expect(session.role).toBe("member");
    // The REST face answers the same; the creator's own session still shows their own role.
    const rest = await fetch(`${server.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(await rest.json()).toMatchObject({ role: "member", isModerator: false });
    expect(await owner.client.users.me.query()).toMatchObject({ role: "admin", isModerator: true });
  });

  it("reads none of its creator's unread or task counts, on the dashboard either", async () => {
    await admin.client.tasks.create.mutate({ title: "Renew the forklift licence" });
    await member.client.messages.send.mutate({ recipientId: admin.userId, body: "hi", clientMessageId: "key-dash-1" });
    const own = await admin.client.dashboard.stats.query({ range: "30d" });
    expect(own.me.tasks.open).toBeGreaterThan(0);
    expect(own.me.unreadMessages).toBeGreaterThan(0);
    const viaKey = server.client({ token: (await createKey("admin")).key });
    await expect(viaKey.tasks.list.query({})).rejects.toMatchObject(rejection("FORBIDDEN"));
    const { me } = await viaKey.dashboard.stats.query({ range: "30d" });
    expect(me).toMatchObject({
      unreadMessages: 0,
      unreadNotifications: 0,
      tasks: { open: 0, overdue: 0, dueToday: 0 },
    });
  });

  it("stops a revoked key at once, on every node", async () => {
    const { id, key } = await createKey("admin");
    const secondNode = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const here = server.client({ token: key });
      const there = secondNode.client({ token: key });
      // Both nodes now hold the key in their caches.
      await here.auth.me.query();
      await there.auth.me.query();

      expect(await admin.client.apiKeys.revoke.mutate({ id })).toEqual({ ok: true });
      await expect(here.auth.me.query()).rejects.toMatchObject(rejection("UNAUTHORIZED"));
      // The other node hears of it over Redis pub/sub: well before its 10 s cache would expire.
      await waitFor(
        () =>
          there.auth.me.query().then(
            () => false,
            (e) => e.data?.code === "UNAUTHORIZED",
          ),
        1_000,
      );
    } finally {
      await secondNode.close();
    }

    expect((await admin.client.apiKeys.list.query()).items.map((k) => k.id)).not.toContain(id);
    const [entry] = (await admin.client.audit.list.query({ action: "apiKey.revoked" })).items;
    expect(entry).toMatchObject({ actor: { id: admin.userId }, targetId: id });
    await expect(admin.client.apiKeys.revoke.mutate({ id })).rejects.toMatchObject(rejection("NOT_FOUND"));
  });

  it("rejects bad input with field issues and writes nothing", async () => {
    const before = await keyCount(admin.organizationId);
    const err = await admin.client.apiKeys.create.mutate({ name: "   ", role: "owner" as "admin" }).catch((e) => e);
    expect(err.data).toMatchObject({ code: "BAD_REQUEST", appCode: "BAD_REQUEST" });
    expect(err.data.issues.map((i: { path: string }) => i.path).sort()).toEqual(["name", "role"]);
    await expect(admin.client.apiKeys.create.mutate({ name: "x".repeat(101), role: "member" })).rejects.toMatchObject(
      rejection("BAD_REQUEST"),
    );
    await expect(admin.client.apiKeys.revoke.mutate({ id: "not-a-uuid" })).rejects.toMatchObject(
      rejection("BAD_REQUEST"),
    );
    expect(await keyCount(admin.organizationId)).toBe(before);
  });

  it("is for org admins only: anonymous, members and other organizations get nothing", async () => {
    const { id, key } = await createKey("admin");
    const anonymous = server.client();
    await expect(anonymous.apiKeys.list.query()).rejects.toMatchObject(rejection("UNAUTHORIZED"));
    await expect(anonymous.apiKeys.create.mutate({ name: "x", role: "admin" })).rejects.toMatchObject(
      rejection("UNAUTHORIZED"),
    );

    await expect(member.client.apiKeys.list.query()).rejects.toMatchObject(rejection("FORBIDDEN"));
    await expect(member.client.apiKeys.create.mutate({ name: "x", role: "member" })).rejects.toMatchObject(
      rejection("FORBIDDEN"),
    );
    await expect(member.client.apiKeys.revoke.mutate({ id })).rejects.toMatchObject(rejection("FORBIDDEN"));

    const theirs = await createKey("admin", other);
    expect((await other.client.apiKeys.list.query()).items.map((k) => k.id)).toEqual([theirs.id]);
    expect((await admin.client.apiKeys.list.query()).items.map((k) => k.id)).not.toContain(theirs.id);
    await expect(other.client.apiKeys.revoke.mutate({ id })).rejects.toMatchObject(rejection("NOT_FOUND"));
    expect((await server.client({ token: key }).auth.me.query()).user.id).toBe(admin.userId);
  });

  it(`caps an organization at ${MAX_API_KEYS_PER_ORG} active keys`, async () => {
    const owner = await signUpAdmin(server);
    const keys = await Promise.all(Array.from({ length: MAX_API_KEYS_PER_ORG }, () => createKey("member", owner)));
    await expect(createKey("member", owner)).rejects.toMatchObject(rejection("CONFLICT"));
    await owner.client.apiKeys.revoke.mutate({ id: keys[0]?.id ?? "" });
    await expect(createKey("member", owner)).resolves.toMatchObject({ role: "member" });
    // Three places freed, ten asked for at once: three are made.
    for (const key of keys.slice(1, 4)) await owner.client.apiKeys.revoke.mutate({ id: key.id });
    const burst = await Promise.allSettled(Array.from({ length: 10 }, () => createKey("member", owner)));
    expect(burst.filter((r) => r.status === "fulfilled")).toHaveLength(3);
  });
});
