import { addMember, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let other: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server);
  member = await addMember(server, admin);
  other = await signUpAdmin(server);
  // A few more entries in each organization, so paging has something to walk.
  for (const user of [admin, member, other]) {
    await expect(
      server.client().auth.signIn.mutate({ email: user.email, password: "not the password" }),
    ).rejects.toMatchObject({ data: { appCode: "INVALID_CREDENTIALS" } });
  }
  await admin.client.apiKeys.create.mutate({ name: "reporting", role: "member" });
});
afterAll(() => server?.close());

const rejection = (code: string) => ({ data: expect.objectContaining({ code }) });
type Lister = TestUser["client"]["audit"]["list"];

/** Every entry matching `filters`, fetched `limit` at a time by following nextCursor. */
async function walk(list: Lister, filters: Parameters<Lister["query"]>[0], limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await list.query({ ...filters, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe("audit.list", () => {
  it("shows failed sign-ins with the account as actor", async () => {
    const { items } = await admin.client.audit.list.query({ action: "auth.signIn.failed" });
    expect(items.map((e) => e.actor?.id).sort()).toEqual([admin.userId, member.userId].sort());
    expect(items.find((e) => e.actor?.id === admin.userId)).toEqual({
      id: expect.any(String),
      action: "auth.signIn.failed",
      actor: { id: admin.userId, name: "Ada Admin" },
      targetType: null,
      targetId: null,
      ip: expect.any(String),
      metadata: { reason: "password" },
      createdAt: expect.any(Date),
    });
  });

  it("filters by action, by actor, and by both", async () => {
    const byAction = await admin.client.audit.list.query({ action: "auth.signIn" });
    expect(byAction.items.length).toBeGreaterThan(0);
    expect(new Set(byAction.items.map((e) => e.action))).toEqual(new Set(["auth.signIn"]));

    const byMember = await admin.client.audit.list.query({ actorId: member.userId });
    expect(byMember.items.length).toBeGreaterThanOrEqual(2);
    expect(new Set(byMember.items.map((e) => e.actor?.id))).toEqual(new Set([member.userId]));

    const both = await admin.client.audit.list.query({ action: "auth.signIn.failed", actorId: member.userId });
    expect(both.items.map((e) => [e.action, e.actor?.name])).toEqual([["auth.signIn.failed", "Max Member"]]);
    expect((await admin.client.audit.list.query({ action: "no.such.action" })).items).toEqual([]);
  });

  it("pages newest first with keyset cursors, with and without filters", async () => {
    const all = await admin.client.audit.list.query({ limit: 100 });
    const ids = all.items.map((e) => e.id);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(all.nextCursor).toBeNull();
    expect(ids).toEqual([...ids].sort().reverse()); // v7 ids sort by time
    expect(all.items[0]?.action).toBe("apiKey.created");

    expect(await walk(admin.client.audit.list, {}, 2)).toEqual(ids);
    const adminOnly = all.items.filter((e) => e.actor?.id === admin.userId).map((e) => e.id);
    expect(await walk(admin.client.audit.list, { actorId: admin.userId }, 1)).toEqual(adminOnly);
  });

  it("never shows another organization's entries", async () => {
    const ours = new Set((await admin.client.audit.list.query({ limit: 100 })).items.map((e) => e.id));
    const theirs = await other.client.audit.list.query({ limit: 100 });
    expect(theirs.items.length).toBeGreaterThan(0);
    for (const entry of theirs.items) {
      expect(ours.has(entry.id)).toBe(false);
      expect(entry.actor?.id ?? other.userId).toBe(other.userId);
    }
    expect((await other.client.audit.list.query({ actorId: admin.userId })).items).toEqual([]);
    // A cursor taken from this organization's pages moves through the other one's entries only.
    const { nextCursor } = await admin.client.audit.list.query({ limit: 1 });
    const after = await other.client.audit.list.query({ cursor: nextCursor, limit: 100 });
    expect(after.items.every((e) => !ours.has(e.id))).toBe(true);
  });

  it("rejects bad input with the field issues", async () => {
    for (const [input, path] of [
      [{ limit: 0 }, "limit"],
      [{ limit: 101 }, "limit"],
      [{ actorId: "someone" }, "actorId"],
      [{ action: "" }, "action"],
      [{ cursor: "not a cursor" }, "cursor"],
    ] as const) {
      const err = await admin.client.audit.list.query(input).catch((e) => e);
      expect(err.data).toMatchObject({ code: "BAD_REQUEST", issues: [expect.objectContaining({ path })] });
    }
  });

  it("is for org admins only", async () => {
    await expect(server.client().audit.list.query({})).rejects.toMatchObject(rejection("UNAUTHORIZED"));
    await expect(member.client.audit.list.query({})).rejects.toMatchObject(rejection("FORBIDDEN"));
  });
});
