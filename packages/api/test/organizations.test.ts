import { addMember, failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: TestServer;
let admin: TestUser;
let member: TestUser;
let otherAdmin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signUpAdmin(server, { organization: { name: "Riyadh Steel Works", city: "Riyadh" } });
  member = await addMember(server, admin);
  otherAdmin = await signUpAdmin(server, { organization: { name: "Jeddah Food Co", industry: "food_and_beverage" } });
});
afterAll(async () => server?.close());

const orgRow = (id: string) =>
  server.deps.db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("organizations.current", () => {
  it("shows a member their own organization", async () => {
    const org = await member.client.organizations.current.query();
    expect(org).toMatchObject({ id: admin.organizationId, name: "Riyadh Steel Works", city: "Riyadh" });
    expect(org.createdAt).toBeInstanceOf(Date);
  });

  it("refuses anonymous callers", async () => {
    expect((await failure(server.client().organizations.current.query())).code).toBe("UNAUTHORIZED");
  });
});

describe("organizations.update", () => {
  it("lets an admin change the profile, and records who did it", async () => {
    const updated = await admin.client.organizations.update.mutate({
      description: "Structural steel since 1990",
      website: "https://steel.example.com",
      size: "51-200",
    });
    expect(updated).toMatchObject({ name: "Riyadh Steel Works", size: "51-200", website: "https://steel.example.com" });
    expect(await member.client.organizations.current.query()).toMatchObject({
      description: "Structural steel since 1990",
    });
    const audit = await server.deps.db
      .selectFrom("auditLog")
      .selectAll()
      .where("organizationId", "=", admin.organizationId)
      .where("action", "=", "organizations.update")
      .executeTakeFirstOrThrow();
    expect(audit.actorId).toBe(admin.userId);
    expect(audit.metadata).toEqual({ fields: expect.arrayContaining(["description", "size", "website"]) });
  });

  it("clears optional fields with null", async () => {
    const updated = await admin.client.organizations.update.mutate({ website: null });
    expect(updated.website).toBeNull();
  });

  it("rejects bad input with the fields named, and changes nothing", async () => {
    const before = await orgRow(admin.organizationId);
    const err = await failure(
      admin.client.organizations.update.mutate({ name: " ", website: "ftp://files.example.com", country: "Saudi" }),
    );
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.fields).toEqual(["country", "name", "website"]);
    // Well-formed but not a country; a web address with a space.
    const unreal = await failure(
      admin.client.organizations.update.mutate({ country: "XX", website: "https://example.com/a b" }),
    );
    expect(unreal.fields).toEqual(["country", "website"]);
    expect(await orgRow(admin.organizationId)).toEqual(before);
  });

  it("refuses a website carrying a user name or password, which every reader would be shown", async () => {
    const before = await orgRow(admin.organizationId);
    for (const website of [
      "https://user:secret@steel.example.com",
      "https://user@steel.example.com",
      "http://:secret@steel.example.com/path",
    ]) {
      const err = await failure(admin.client.organizations.update.mutate({ website }));
      expect(err).toMatchObject({ code: "BAD_REQUEST", fields: ["website"] });
      expect(err.issues?.[0]?.message).toBe("A web address must not contain a user name or password");
    }
    expect(await orgRow(admin.organizationId)).toEqual(before);
    // An "@" past the host is no credential.
    const updated = await admin.client.organizations.update.mutate({ website: "https://steel.example.com/@news" });
    expect(updated.website).toBe("https://steel.example.com/@news");
  });

  it("is for admins only", async () => {
    const before = await orgRow(admin.organizationId);
    expect((await failure(member.client.organizations.update.mutate({ name: "Hijacked" }))).code).toBe("FORBIDDEN");
    expect((await failure(server.client().organizations.update.mutate({ name: "Hijacked" }))).code).toBe(
      "UNAUTHORIZED",
    );
    expect(await orgRow(admin.organizationId)).toEqual(before);
  });

  it("only ever reaches the admin's own organization", async () => {
    const before = await orgRow(admin.organizationId);
    const updated = await otherAdmin.client.organizations.update.mutate({ city: "Jeddah" });
    expect(updated.id).toBe(otherAdmin.organizationId);
    expect(await orgRow(admin.organizationId)).toEqual(before);
  });
});

describe("organizations.directory", () => {
  // A tag in every name keeps these organizations apart from the others of this file. Names all
  // start upper-case so the expected order does not depend on the database's collation.
  const tag = `zq${Date.now().toString(36)}`;
  let names: string[];

  beforeAll(async () => {
    const specs = [
      { name: `Alpha ${tag} Plastics`, industry: "petrochemicals", city: "Dammam" },
      { name: `Beta ${tag} Logistics`, industry: "logistics", city: "Riyadh" },
      { name: `Delta ${tag} Mining`, industry: "mining", city: "Riyadh" },
      { name: `Gamma ${tag} 100% Steel`, industry: "manufacturing", city: "Jubail" },
      { name: `Omega ${tag} Foods`, industry: "food_and_beverage", city: "Riyadh" },
    ] as const;
    for (const organization of specs) await signUpAdmin(server, { organization });
    names = specs.map((s) => s.name).sort();
  });

  it("lists every organization's public profile, by name, one page at a time", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await member.client.organizations.directory.query({ q: tag, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((o) => o.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names);
    const [first] = (await otherAdmin.client.organizations.directory.query({ q: tag, limit: 1 })).items;
    expect(Object.keys(first ?? {}).sort()).toEqual(
      ["city", "country", "description", "id", "industry", "logoFileId", "name", "size", "website"].sort(),
    );
  });

  it("searches names case-insensitively and filters by industry and city", async () => {
    const names = async (input: { q?: string; industry?: "mining"; city?: string }) =>
      (await member.client.organizations.directory.query({ limit: 100, ...input })).items.map((o) => o.name);
    expect(await names({ q: `${tag} LOGISTICS` })).toEqual([`Beta ${tag} Logistics`]);
    expect(await names({ q: tag, city: "Riyadh" })).toEqual([
      `Beta ${tag} Logistics`,
      `Delta ${tag} Mining`,
      `Omega ${tag} Foods`,
    ]);
    expect(await names({ q: tag, city: "riyadh" })).toEqual(await names({ q: tag, city: "Riyadh" }));
    expect(await names({ q: tag, industry: "mining" })).toEqual([`Delta ${tag} Mining`]);
    // LIKE wildcards in the query are plain characters.
    expect(await names({ q: `${tag} 100%` })).toEqual([`Gamma ${tag} 100% Steel`]);
    expect(await names({ q: `${tag}%Foods` })).toEqual([]);
  });

  it("rejects a forged cursor and out-of-range limits", async () => {
    const forged = Buffer.from(JSON.stringify(["x", "not-a-uuid"])).toString("base64url");
    for (const cursor of ["%%%", forged]) {
      const err = await failure(member.client.organizations.directory.query({ cursor }));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.fields).toEqual(["cursor"]);
    }
    const err = await failure(member.client.organizations.directory.query({ limit: 101, industry: "x" as "mining" }));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.fields).toEqual(["industry", "limit"]);
  });

  it("is for signed-in users", async () => {
    expect((await failure(server.client().organizations.directory.query({}))).code).toBe("UNAUTHORIZED");
  });
});

describe("organizations.members", () => {
  it("shows every member their active colleagues by last name, one page at a time, with work email but no phone", async () => {
    const owner = await signUpAdmin(server, { firstName: "Zara", lastName: "Zamil" });
    const colleague = await addMember(server, owner);
    const gone = await addMember(server, owner);
    await owner.client.users.deactivate.mutate({ id: gone.userId });
    await owner.client.users.update.mutate({ id: colleague.userId, role: "admin" });
    await colleague.client.users.updateMe.mutate({
      lastName: "Aziz",
      title: "Maintenance lead",
      phone: "+966 55 123 4567",
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await colleague.client.organizations.members.query({ limit: 1, cursor });
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([colleague.userId, owner.userId]);

    const { items } = await colleague.client.organizations.members.query({});
    expect(items[0]).toEqual({
      id: colleague.userId,
      firstName: "Max",
      lastName: "Aziz",
      title: "Maintenance lead",
      role: "admin",
      avatarFileId: null,
      email: colleague.email,
      lastActiveAt: expect.any(Date),
    });
    expect(JSON.stringify(items)).not.toContain("123 4567");
  });

  it("searches names, and hides the last-active time of a colleague who hides their presence", async () => {
    const owner = await signUpAdmin(server, { firstName: "Hana", lastName: "Haddad" });
    const shy = await addMember(server, owner);
    await shy.client.presence.update.mutate({ hidden: true });
    const names = async (q: string) =>
      (await owner.client.organizations.members.query({ q })).items.map((m) => `${m.firstName} ${m.lastName}`);
    expect(await names("hana")).toEqual(["Hana Haddad"]);
    expect(await names("MAX mem")).toEqual(["Max Member"]);
    expect(await names("nobody here")).toEqual([]);
    const seenBy = async (viewer: TestUser) =>
      (await viewer.client.organizations.members.query({})).items.find((m) => m.id === shy.userId)?.lastActiveAt;
    expect(await seenBy(owner)).toBeNull();
    expect(await seenBy(shy)).toBeInstanceOf(Date);
  });

  it("never shows another organization's people", async () => {
    const ids = (await otherAdmin.client.organizations.members.query({ limit: 100 })).items.map((m) => m.id);
    expect(ids).toEqual([otherAdmin.userId]);
    const search = await otherAdmin.client.organizations.members.query({ q: admin.email });
    expect(search.items).toEqual([]);
  });

  it("answers an API key of the organization, and refuses anonymous callers and forged cursors", async () => {
    const { key } = await admin.client.apiKeys.create.mutate({ name: "directory sync", role: "member" });
    const ids = (await server.client({ token: key }).organizations.members.query({ limit: 100 })).items.map(
      (m) => m.id,
    );
    expect(ids).toEqual(expect.arrayContaining([admin.userId, member.userId]));
    expect((await failure(server.client().organizations.members.query({}))).code).toBe("UNAUTHORIZED");
    const err = await failure(member.client.organizations.members.query({ cursor: "%%%" }));
    expect(err.fields).toEqual(["cursor"]);
  });
});

describe("organizations.stats", () => {
  it("counts active members, recent activity, forum content and stored bytes of the caller's organization only", async () => {
    const owner = await signUpAdmin(server);
    // Members who have never made a signed-in call: one never active, one active 40 days ago.
    const idle = await addMember(server, owner);
    const stale = await addMember(server, owner);
    const gone = await addMember(server, owner);
    await owner.client.users.deactivate.mutate({ id: gone.userId });
    await server.deps.db
      .updateTable("users")
      .set({ lastActiveAt: new Date(Date.now() - 40 * 24 * 60 * 60 * 1000) })
      .where("id", "=", stale.userId)
      .execute();
    const file = (orgId: string, ownerId: string, size: number) => ({
      id: uuidv7(),
      organizationId: orgId,
      ownerId,
      name: "drawing.pdf",
      contentType: "application/pdf",
      size,
      sha256: "x",
      storageKey: uuidv7(),
    });
    await server.deps.db
      .insertInto("files")
      .values([
        file(owner.organizationId, owner.userId, 1_000),
        file(owner.organizationId, idle.userId, 2_500),
        file(admin.organizationId, admin.userId, 7_000),
      ])
      .execute();

    // Forum content by this organization's people counts; another organization's does not.
    const [category] = await owner.client.forums.listCategories.query();
    const topic = (user: typeof owner) =>
      user.client.forums.createTopic.mutate({
        title: "Stats test topic",
        categoryId: category?.id as string,
        body: "<p>Question</p>",
        visibility: "platform",
      });
    const mine = await topic(owner);
    await owner.client.forums.createPost.mutate({ topicId: mine.id, body: "<p>More detail</p>" });
    await topic(admin);

    expect(await owner.client.organizations.stats.query()).toEqual({
      memberCount: 3,
      activeMembers30d: 1,
      topics: 1,
      posts: 2,
      useCases: 0,
      storageBytes: 3_500,
    });
  });

  it("answers zero storage for an organization without files", async () => {
    const fresh = await signUpAdmin(server);
    expect(await fresh.client.organizations.stats.query()).toMatchObject({ memberCount: 1, storageBytes: 0 });
  });

  it("is for signed-in members", async () => {
    expect((await failure(server.client().organizations.stats.query())).code).toBe("UNAUTHORIZED");
  });
});
