import type { RouterInputs } from "@p2p/client";
import {
  addMember,
  failure,
  makeModerator,
  signUpAdmin,
  startTestServer,
  type TestServer,
  type TestUser,
  uploadFile,
} from "@p2p/testkit";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useCaseWriteJobs } from "../../src/modules/useCases/write";
import { waitFor } from "../helpers";

let server: TestServer;
let owner: TestUser; // a plain member of org A, the author
let adminA: TestUser;
let other: TestUser; // org B admin
let moderator: TestUser;
let seq = 0;

type Draft = RouterInputs["useCases"]["createDraft"];

const RIYADH = { city: "Riyadh", country: "SA", lat: 24.7136, lng: 46.6753 };
const DAMMAM = { city: "Dammam", country: "SA", lat: 26.4207, lng: 50.0888 };
const JEDDAH = { city: "Jeddah", country: "SA", lat: 21.4858, lng: 39.1925 };

const complete = (over: Partial<Draft> = {}): Draft => ({
  title: `Predictive maintenance on extruders ${++seq}`,
  summary: "Vibration sensors and a simple model cut unplanned stops.",
  industry: "manufacturing",
  technologies: ["IoT", "Machine learning"],
  tags: ["maintenance"],
  problem: "Gearbox failures stopped line 3 twice a month.",
  solution: "Wireless vibration sensors on every gearbox feed an anomaly model.",
  outcomes: {
    costSavingsPercent: 18,
    efficiencyGainPercent: 12,
    roiMonths: 9,
    metrics: [{ label: "Unplanned stops", value: -70, unit: "%" }],
  },
  vendor: {
    name: "SensoTech",
    website: "https://sensotech.example",
    contactName: "Lina",
    email: "lina@sensotech.example",
    phone: "+966 11 555 0100",
  },
  location: RIYADH,
  ...over,
});

const publishNew = async (user: TestUser, over: Partial<Draft> = {}) => {
  const draft = await user.client.useCases.createDraft.mutate(complete(over));
  return user.client.useCases.publish.mutate({ id: draft.id });
};

beforeAll(async () => {
  server = await startTestServer();
  adminA = await signUpAdmin(server, { organization: { name: "Gulf Extrusion" } });
  owner = await addMember(server, adminA);
  other = await signUpAdmin(server);
  moderator = await signUpAdmin(server);
  await makeModerator(server, moderator);
});
afterAll(async () => {
  await server?.close();
});

describe("drafts and publishing", () => {
  it("saves partial drafts step by step; publishing names every missing field at once", async () => {
    const draft = await owner.client.useCases.createDraft.mutate({ title: "Energy audit of the compressor room" });
    expect(draft).toMatchObject({
      status: "draft",
      title: "Energy audit of the compressor room",
      problem: "",
      outcomes: null,
    });
    const refused = await failure(owner.client.useCases.publish.mutate({ id: draft.id }));
    expect(refused).toMatchObject({ appCode: "BAD_REQUEST" });
    expect(refused.fields).toEqual([
      "industry",
      "location",
      "outcomes",
      "problem",
      "solution",
      "summary",
      "technologies",
    ]);

    await owner.client.useCases.updateDraft.mutate({
      id: draft.id,
      industry: "manufacturing",
      problem: "Leaks cost 30% of the air.",
    });
    const step2 = await owner.client.useCases.updateDraft.mutate({
      id: draft.id,
      solution: "Ultrasonic leak survey and repair.",
    });
    // Fields saved earlier stay.
    expect(step2).toMatchObject({
      industry: "manufacturing",
      problem: "Leaks cost 30% of the air.",
      solution: "Ultrasonic leak survey and repair.",
    });
    await owner.client.useCases.updateDraft.mutate({
      id: draft.id,
      summary: "A leak survey paid back in weeks.",
      technologies: ["Ultrasound"],
      outcomes: { costSavingsPercent: 22 },
      location: DAMMAM,
    });
    const published = await owner.client.useCases.publish.mutate({ id: draft.id });
    expect(published).toMatchObject({ status: "published", publishedAt: expect.any(Date), city: "Dammam" });
    // A published use case stays complete: clearing a required field is refused.
    expect((await failure(owner.client.useCases.updateDraft.mutate({ id: draft.id, outcomes: null }))).fields).toEqual([
      "outcomes",
    ]);
    await owner.client.useCases.unpublish.mutate({ id: draft.id });
    expect((await owner.client.useCases.get.query({ id: draft.id })).status).toBe("draft");
  });

  it("checks each present field and writes nothing on bad input", async () => {
    const cases: [Promise<unknown>, string][] = [
      [owner.client.useCases.createDraft.mutate({ title: "abc" }), "title"],
      [owner.client.useCases.createDraft.mutate({ industry: "farming" as never }), "industry"],
      [owner.client.useCases.createDraft.mutate({ location: { ...RIYADH, lat: 91 } }), "location.lat"],
      [
        owner.client.useCases.createDraft.mutate({ vendor: { name: "X", email: "not-an-email" } as never }),
        "vendor.email",
      ],
      [
        owner.client.useCases.createDraft.mutate({ vendor: { name: "X", website: "https://ci:token@vendor.example" } }),
        "vendor.website",
      ],
      [owner.client.useCases.createDraft.mutate({ technologies: Array(11).fill("PLC") }), "technologies"],
      [owner.client.useCases.createDraft.mutate({ summary: "bell\u0007" }), "summary"],
      [owner.client.useCases.createDraft.mutate({ location: { ...RIYADH, country: "XX" } }), "location.country"],
      [
        owner.client.useCases.createDraft.mutate({
          outcomes: { metrics: [{ label: "Scrap saved", value: 1e308, unit: "t" }] } as never,
        }),
        "outcomes.metrics.0.value",
      ],
    ];
    for (const [call, field] of cases) expect((await failure(call)).fields).toContain(field);
    // The same technology in another letter case is one technology (the first spelling kept).
    const draft = await owner.client.useCases.createDraft.mutate({ technologies: ["PLC", "plc", "SCADA", "Plc"] });
    expect(draft.technologies).toEqual(["PLC", "SCADA"]);
  });

  it("drafts are invisible to other organizations and plain colleagues; admins of the org see them", async () => {
    const draft = await owner.client.useCases.createDraft.mutate({ title: "Secret draft about kiln burners" });
    expect(await failure(other.client.useCases.get.query({ id: draft.id }))).toMatchObject({ appCode: "NOT_FOUND" });
    const colleague = await addMember(server, adminA);
    expect(await failure(colleague.client.useCases.get.query({ id: draft.id }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
    expect((await adminA.client.useCases.get.query({ id: draft.id })).title).toBe("Secret draft about kiln burners");
    for (const status of ["draft", undefined] as const) {
      const seen = await other.client.useCases.list.query({ status });
      expect(seen.items.map((u) => u.id)).not.toContain(draft.id);
    }
    expect((await adminA.client.useCases.list.query({ status: "draft" })).items.map((u) => u.id)).toContain(draft.id);
    expect(
      await failure(other.client.useCases.updateDraft.mutate({ id: draft.id, title: "Hijacked title" })),
    ).toMatchObject({
      appCode: "NOT_FOUND",
    });
    expect(await failure(server.client().useCases.getPublic.query({ id: draft.id }))).toMatchObject({
      appCode: "NOT_FOUND",
    });
  });

  it("delete is soft and restorable by the owner or their admin; others cannot", async () => {
    const uc = await publishNew(owner);
    expect(await failure(other.client.useCases.delete.mutate({ id: uc.id }))).toMatchObject({ appCode: "FORBIDDEN" });
    await owner.client.useCases.delete.mutate({ id: uc.id });
    expect(await failure(other.client.useCases.get.query({ id: uc.id }))).toMatchObject({ appCode: "NOT_FOUND" });
    expect((await other.client.useCases.list.query({})).items.map((u) => u.id)).not.toContain(uc.id);
    expect(await failure(other.client.useCases.restore.mutate({ id: uc.id }))).toMatchObject({ appCode: "NOT_FOUND" });
    expect((await adminA.client.useCases.restore.mutate({ id: uc.id })).status).toBe("published");
    // Past 30 days: refused.
    await owner.client.useCases.delete.mutate({ id: uc.id });
    await server.deps.db
      .updateTable("useCases")
      .set({ deletedAt: new Date(Date.now() - 31 * 86_400_000) })
      .where("id", "=", uc.id)
      .execute();
    expect(await failure(owner.client.useCases.restore.mutate({ id: uc.id }))).toMatchObject({ appCode: "FORBIDDEN" });
  });

  it("the recently deleted list shows what each may restore: their own, their organization's as admin", async () => {
    const colleague = await addMember(server, adminA);
    const mine = await publishNew(colleague, { title: "Chiller retrofit at the cold store" });
    const draft = await colleague.client.useCases.createDraft.mutate({ title: "Half-written idea" });
    const theirs = await publishNew(owner);
    const kept = await publishNew(colleague);
    for (const [user, id] of [
      [colleague, mine.id],
      [colleague, draft.id],
      [owner, theirs.id],
    ] as const) {
      await user.client.useCases.delete.mutate({ id });
    }
    const ids = async (user: TestUser) =>
      (await user.client.useCases.listDeleted.query({ limit: 100 })).items.map((u) => u.id);

    const own = await colleague.client.useCases.listDeleted.query({ limit: 100 });
    // Most recently deleted first, as it was when deleted, with when it is purged.
    expect(own.items.map((u) => u.id)).toEqual([draft.id, mine.id]);
    expect(own.items[1]).toMatchObject({ title: "Chiller retrofit at the cold store", status: "published" });
    expect(own.items[0]?.status).toBe("draft");
    const item = own.items[1] as (typeof own.items)[number];
    expect(item.restorableUntil.getTime() - item.deletedAt.getTime()).toBe(30 * 86_400_000);
    expect(own.items.map((u) => u.id)).not.toContain(kept.id);

    // The admin sees every member's; another organization none of them.
    expect(await ids(adminA)).toEqual(expect.arrayContaining([draft.id, mine.id, theirs.id]));
    expect(await ids(other)).toEqual(expect.not.arrayContaining([draft.id, mine.id, theirs.id]));
    expect(await ids(owner)).not.toContain(mine.id);

    // Pages of one, in order; restored or past 30 days, it leaves the list.
    const first = await colleague.client.useCases.listDeleted.query({ limit: 1 });
    const second = await colleague.client.useCases.listDeleted.query({ limit: 1, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((u) => u.id)).toEqual([draft.id, mine.id]);
    expect(second.nextCursor).toBeNull();
    await colleague.client.useCases.restore.mutate({ id: mine.id });
    await server.deps.db
      .updateTable("useCases")
      .set({ deletedAt: new Date(Date.now() - 31 * 86_400_000) })
      .where("id", "=", draft.id)
      .execute();
    expect(await ids(colleague)).toEqual([]);
    expect(await failure(colleague.client.useCases.listDeleted.query({ cursor: "not-a-cursor" }))).toMatchObject({
      appCode: "BAD_REQUEST",
    });
  });

  it("audits an admin taking a member's use case off the platform, but not the owner doing so", async () => {
    const audited = async (id: string) =>
      (await adminA.client.audit.list.query({ limit: 100 })).items.filter((e) => e.targetId === id);
    const own = await publishNew(owner);
    await owner.client.useCases.unpublish.mutate({ id: own.id });
    await owner.client.useCases.delete.mutate({ id: own.id });
    expect(await audited(own.id)).toEqual([]);

    const uc = await publishNew(owner, { title: "Compressed air leak survey" });
    await adminA.client.useCases.unpublish.mutate({ id: uc.id });
    // A draft already: nothing changes, nothing is recorded again.
    await adminA.client.useCases.unpublish.mutate({ id: uc.id });
    await adminA.client.useCases.delete.mutate({ id: uc.id });
    const entries = await audited(uc.id);
    expect(entries.map((e) => e.action)).toEqual(["useCases.deleted", "useCases.unpublished"]);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        actor: { id: adminA.userId },
        targetType: "useCase",
        ip: expect.any(String),
        metadata: { ownerId: owner.userId, title: "Compressed air leak survey" },
      });
    }
  });

  it("moderators archive (hidden from others, owner notified, audited) and restore", async () => {
    const uc = await publishNew(owner);
    expect(
      await failure(adminA.client.useCases.moderate.mutate({ id: uc.id, action: "archive", reason: "spam" })),
    ).toMatchObject({
      appCode: "FORBIDDEN",
    });
    const archived = await moderator.client.useCases.moderate.mutate({
      id: uc.id,
      action: "archive",
      reason: "Vendor advert, not a use case",
    });
    expect(archived).toMatchObject({ status: "archived", archivedReason: "Vendor advert, not a use case" });
    expect(await failure(other.client.useCases.get.query({ id: uc.id }))).toMatchObject({ appCode: "NOT_FOUND" });
    expect((await owner.client.useCases.get.query({ id: uc.id })).status).toBe("archived");
    expect(await failure(owner.client.useCases.publish.mutate({ id: uc.id }))).toMatchObject({ appCode: "FORBIDDEN" });
    // Edited while archived, it stays complete: a restore publishes it as it is.
    const emptied = await failure(owner.client.useCases.updateDraft.mutate({ id: uc.id, technologies: [] }));
    expect(emptied).toMatchObject({ code: "BAD_REQUEST", fields: ["technologies"] });
    const [note] = await waitFor(async () => {
      const { items } = await owner.client.notifications.list.query({ type: "useCase.moderation" });
      return items.length > 0 && items;
    });
    expect(note?.text).toContain("archived your use case");
    const audit = await server.deps.db.selectFrom("auditLog").select("action").where("targetId", "=", uc.id).execute();
    expect(audit.map((a) => a.action)).toContain("useCases.archive");
    await moderator.client.useCases.moderate.mutate({
      id: uc.id,
      action: "restore",
      reason: "Clarified with the owner",
    });
    expect((await other.client.useCases.get.query({ id: uc.id })).status).toBe("published");
  });
});

describe("writes that meet on one use case", () => {
  const feedItems = async (user: TestUser, id: string) =>
    (await user.client.dashboard.activity.query({ scope: "me", limit: 100 })).items.filter((i) => i.subject.id === id);

  it("the same publication asked five times at once is made, and shown in the feed, once", async () => {
    const author = await signUpAdmin(server);
    const draft = await author.client.useCases.createDraft.mutate(complete({ title: "Five clicks on publish" }));
    await Promise.all(Array.from({ length: 5 }, () => author.client.useCases.publish.mutate({ id: draft.id })));
    expect((await feedItems(author, draft.id)).map((i) => i.type)).toEqual(["useCase.published"]);
    await Promise.all(Array.from({ length: 3 }, () => author.client.useCases.unpublish.mutate({ id: draft.id })));
    expect((await author.client.useCases.get.query({ id: draft.id })).status).toBe("draft");
  });

  it("a publication or an edit meeting the deletion never brings the use case back", async () => {
    const author = await signUpAdmin(server);
    for (let round = 0; round < 3; round++) {
      const draft = await author.client.useCases.createDraft.mutate(complete({ title: `Deleted at once ${round}` }));
      const calls = await Promise.allSettled([
        author.client.useCases.delete.mutate({ id: draft.id }),
        author.client.useCases.publish.mutate({ id: draft.id }),
        author.client.useCases.updateDraft.mutate({ id: draft.id, title: `Edited at once ${round}` }),
      ]);
      expect(calls[0].status).toBe("fulfilled");
      expect((await failure(author.client.useCases.get.query({ id: draft.id }))).appCode).toBe("NOT_FOUND");
      const row = await server.deps.db
        .selectFrom("useCases")
        .select(["deletedAt", "publishedAt"])
        .where("id", "=", draft.id)
        .executeTakeFirstOrThrow();
      if (row.publishedAt) expect(row.publishedAt.getTime()).toBeLessThanOrEqual(row.deletedAt?.getTime() ?? 0);
    }
  });
});

describe("reading", () => {
  it("vendor contact only for verified users; anonymous callers get the public part only", async () => {
    const uc = await publishNew(owner);
    const seen = await other.client.useCases.get.query({ id: uc.id });
    expect(seen.vendor).toMatchObject({ name: "SensoTech", email: "lina@sensotech.example" });
    await server.deps.db.updateTable("users").set({ emailVerifiedAt: null }).where("id", "=", other.userId).execute();
    const { invalidateUsers } = await import("@p2p/api");
    await invalidateUsers(server.deps.events, [other.userId]);
    const unverified = await waitFor(async () => {
      const r = await other.client.useCases.get.query({ id: uc.id });
      return r.vendorContactHidden && r;
    });
    expect(unverified.vendor).toEqual({
      name: "SensoTech",
      website: "https://sensotech.example",
      contactName: null,
      email: null,
      phone: null,
    });
    await server.deps.db
      .updateTable("users")
      .set({ emailVerifiedAt: new Date() })
      .where("id", "=", other.userId)
      .execute();
    await invalidateUsers(server.deps.events, [other.userId]);

    const anonymous = await server.client().useCases.getPublic.query({ id: uc.id });
    expect(anonymous).toEqual({
      id: uc.id,
      title: uc.title,
      summary: uc.summary,
      industry: "manufacturing",
      city: "Riyadh",
      outcomes: expect.objectContaining({ costSavingsPercent: 18 }),
    });
    expect(JSON.stringify(anonymous)).not.toContain("sensotech.example");
    expect(await failure(server.client().useCases.get.query({ id: uc.id }))).toMatchObject({ appCode: "UNAUTHORIZED" });
  });

  it("counts one view per viewer per day", async () => {
    const uc = await publishNew(owner);
    for (let i = 0; i < 3; i++) await other.client.useCases.get.query({ id: uc.id });
    await adminA.client.useCases.get.query({ id: uc.id });
    await waitFor(async () => (await other.client.useCases.get.query({ id: uc.id })).viewCount === 2, 10_000);
  });

  it("text is one Unicode form and one case however it was typed: İzmir, a decomposed é; no noncharacters", async () => {
    const tag = `u${++seq}`;
    const izmir = { city: "İzmir", country: "TR", lat: 38.4237, lng: 27.1428 };
    const made = await publishNew(other, { technologies: ["Re\u0301sume\u0301 parser"], tags: [tag], location: izmir });
    expect(made.technologies).toEqual(["Résumé parser"]); // stored composed
    const ids = async (input: RouterInputs["useCases"]["list"]) =>
      (await owner.client.useCases.list.query({ tags: [tag], ...input })).items.map((u) => u.id);
    expect(await ids({ city: "İzmir" })).toEqual([made.id]);
    expect(await ids({ city: "izmir" })).toEqual([made.id]);
    expect(await ids({ technologies: ["résumé parser"] })).toEqual([made.id]);
    expect(await failure(owner.client.useCases.createDraft.mutate({ title: "Nonchar \uffff title" }))).toMatchObject({
      fields: ["title"],
    });
  });

  it("nearest first pages through use cases at equal distances once each, across the date line too", async () => {
    const tag = `n${++seq}`;
    const at = (lat: number, lng: number) => ({ city: "Suva", country: "FJ", lat, lng });
    // Eight around a centre at equal distances (a ring), and two either side of the date line.
    const ring: [number, number][] = [
      [0.01, 0],
      [-0.01, 0],
      [0, 0.01],
      [0, -0.01],
      [0.01, 0.01],
      [-0.01, -0.01],
      [0.01, -0.01],
      [-0.01, 0.01],
    ];
    const made = await Promise.all([
      ...ring.map(([dLat, dLng]) => publishNew(other, { tags: [tag], location: at(-18 + dLat, 178 + dLng) })),
      publishNew(other, { tags: [tag], location: at(10, 179.995) }),
      publishNew(other, { tags: [tag], location: at(10, -179.995) }),
    ]);
    const pages = async (lat: number, lng: number, radiusKm: number, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await owner.client.useCases.list.query({
          tags: [tag],
          lat,
          lng,
          radiusKm,
          sort: "nearest",
          limit,
          cursor,
        });
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    for (const limit of [1, 2, 3]) {
      const ringIds = await pages(-18, 178, 5, limit);
      expect(ringIds).toHaveLength(8);
      expect(new Set(ringIds)).toEqual(new Set(made.slice(0, 8).map((u) => u.id)));
      expect((await pages(10, 180, 5, limit)).sort()).toEqual(
        made
          .slice(8)
          .map((u) => u.id)
          .sort(),
      );
    }
  });

  it("filters combine; sorts by newest, views and distance; searches English and Arabic", async () => {
    const tag = `f${++seq}`;
    const a = await publishNew(other, {
      technologies: ["SCADA"],
      tags: [tag],
      location: RIYADH,
      industry: "utilities",
    });
    const b = await publishNew(other, {
      technologies: ["scada", "PLC"],
      tags: [tag],
      location: DAMMAM,
      industry: "utilities",
    });
    const c = await publishNew(other, {
      technologies: ["Robotics"],
      tags: [tag],
      location: JEDDAH,
      industry: "automotive",
      title: "خط لحام آلي في جدة",
      summary: "روبوتات اللحام رفعت الإنتاجية",
    });
    const ids = async (input: RouterInputs["useCases"]["list"]) =>
      (await owner.client.useCases.list.query({ tags: [tag], ...input })).items.map((u) => u.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ technologies: ["scada"] })).toEqual([b.id, a.id]);
    expect(await ids({ technologies: ["SCADA"], industry: "utilities", city: "dammam" })).toEqual([b.id]);
    expect(await ids({ organizationId: other.organizationId })).toEqual([c.id, b.id, a.id]);
    const near = await owner.client.useCases.list.query({
      tags: [tag],
      lat: RIYADH.lat,
      lng: RIYADH.lng,
      radiusKm: 500,
      sort: "nearest",
    });
    expect(near.items.map((u) => u.id)).toEqual([a.id, b.id]);
    expect(near.items[1]?.distanceKm).toBeGreaterThan(300);
    expect(await ids({ lat: JEDDAH.lat, lng: JEDDAH.lng, radiusKm: 2000, sort: "nearest" })).toEqual([
      c.id,
      a.id,
      b.id,
    ]);
    expect(await ids({ technology: "plc" })).toEqual([b.id]);
    expect(await ids({ q: "روبوتات" })).toEqual([c.id]);
    expect(await ids({ q: "PLC" })).toEqual([b.id]);
    // Pages follow each other without gaps or repeats.
    const p1 = await owner.client.useCases.list.query({ tags: [tag], limit: 2 });
    const p2 = await owner.client.useCases.list.query({ tags: [tag], limit: 2, cursor: p1.nextCursor });
    expect([...p1.items, ...p2.items].map((u) => u.id)).toEqual([c.id, b.id, a.id]);
    expect((await failure(owner.client.useCases.list.query({ sort: "nearest" }))).fields).toEqual(["lat"]);
    expect((await failure(owner.client.useCases.list.query({ lat: 24 }))).fields).toEqual(["lat", "lng", "radiusKm"]);
    // Every sort pages one at a time, and a cursor forged for the wrong sort is a BAD_REQUEST.
    const around = { lat: JEDDAH.lat, lng: JEDDAH.lng, radiusKm: 2000 };
    const forged = (key: unknown) => Buffer.from(JSON.stringify([key, crypto.randomUUID()])).toString("base64url");
    for (const sort of ["newest", "mostViewed", "nearest", "trending"] as const) {
      const filter = { tags: [tag], sort, ...(sort === "nearest" ? around : {}) };
      const whole = (await owner.client.useCases.list.query(filter)).items.map((u) => u.id);
      const paged: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await owner.client.useCases.list.query({ ...filter, limit: 1, cursor });
        paged.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
      } while (cursor && paged.length < 10);
      expect(paged, sort).toEqual(whole);
      for (const key of ["garbage", sort === "newest" ? 5 : "2020-01-01T00:00:00.000Z", null, -1.5]) {
        if (sort === "trending" && key === -1.5) continue; // a score may be any number
        const error = await failure(owner.client.useCases.list.query({ ...filter, cursor: forged(key) }));
        expect(error, `${sort} ${JSON.stringify(key)}`).toMatchObject({ code: "BAD_REQUEST", fields: ["cursor"] });
      }
    }
  });

  it("lists are current on every node: a change made through one node shows in the next list on another", async () => {
    const nodeB = await startTestServer({ stores: server.stores, runWorker: false });
    try {
      const boss = await signUpAdmin(server);
      const author = await addMember(server, boss);
      const onB = (user: TestUser) => nodeB.client({ token: user.token });
      const org = { organizationId: boss.organizationId };
      const published = async () => (await onB(other).useCases.list.query(org)).items;
      const drafts = async (user: TestUser) => (await onB(user).useCases.list.query({ ...org, status: "draft" })).items;
      // Cached on node B: the published page (everyone's) and each reader's drafts page.
      expect(await published()).toEqual([]);
      expect(await drafts(boss)).toEqual([]);
      expect(await drafts(other)).toEqual([]);

      const draft = await author.client.useCases.createDraft.mutate(complete());
      expect((await drafts(boss)).map((u) => u.id)).toEqual([draft.id]);
      expect((await drafts(author)).map((u) => u.id)).toEqual([draft.id]);
      expect(await drafts(other)).toEqual([]); // another organization's admin: never its drafts

      await author.client.useCases.publish.mutate({ id: draft.id });
      expect((await published()).map((u) => u.id)).toEqual([draft.id]);
      expect(await drafts(boss)).toEqual([]);
      await author.client.useCases.updateDraft.mutate({ id: draft.id, title: "Extruder gearboxes, a year on" });
      expect((await published())[0]).toMatchObject({ title: "Extruder gearboxes, a year on", cover: null });

      // The cover: attached, then processed by the job (a finished file drops the pages too).
      const body = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#336699" } })
        .png()
        .toBuffer();
      const file = await uploadFile(server, author, {
        name: "line.png",
        contentType: "image/png",
        body: new Uint8Array(body),
      });
      await author.client.useCases.addMedia.mutate({ id: draft.id, fileId: file.id, caption: "Line 3" });
      expect((await published())[0]?.cover).toMatchObject({ fileId: file.id });
      await waitFor(async () => (await published())[0]?.cover?.status === "ready", 9_000);

      // Counted views (batched into PostgreSQL by a job), the author's profile as shown.
      await other.client.useCases.get.query({ id: draft.id });
      await waitFor(async () => (await published())[0]?.viewCount === 1, 9_000);
      await author.client.users.updateMe.mutate({ title: "Reliability engineer" });
      expect((await published())[0]?.owner).toMatchObject({ title: "Reliability engineer" });

      await moderator.client.useCases.moderate.mutate({ id: draft.id, action: "archive", reason: "Check the figures" });
      expect(await published()).toEqual([]);
      await moderator.client.useCases.moderate.mutate({ id: draft.id, action: "restore", reason: "Figures checked" });
      expect((await published()).map((u) => u.id)).toEqual([draft.id]);
      await author.client.useCases.unpublish.mutate({ id: draft.id });
      expect(await published()).toEqual([]);
      expect((await drafts(boss)).map((u) => u.id)).toEqual([draft.id]);
      await boss.client.useCases.delete.mutate({ id: draft.id });
      expect(await drafts(boss)).toEqual([]);
      await boss.client.useCases.restore.mutate({ id: draft.id });
      expect((await drafts(boss)).map((u) => u.id)).toEqual([draft.id]);
    } finally {
      await nodeB.close();
    }
  });

  it("related use cases: same industry, shared technologies, nearby; never drafts", async () => {
    const base = await publishNew(owner, { technologies: ["Digital twin"], industry: "mining", location: JEDDAH });
    const sameTech = await publishNew(other, {
      technologies: ["digital twin"],
      industry: "construction",
      location: RIYADH,
    });
    const draft = await other.client.useCases.createDraft.mutate(
      complete({ technologies: ["Digital twin"], industry: "mining" }),
    );
    const detail = await owner.client.useCases.get.query({ id: base.id });
    const related = detail.related.map((u) => u.id);
    expect(related).toContain(sameTech.id);
    expect(related).not.toContain(draft.id);
    expect(related).not.toContain(base.id);
  });

  it("drafts written in the same millisecond are paged without a gap", async () => {
    const fresh = await signUpAdmin(server);
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => fresh.client.useCases.createDraft.mutate({ title: `Draft number ${i}` })),
    );
    const whole = (await fresh.client.useCases.list.query({ status: "draft", limit: 100 })).items.map((u) => u.id);
    expect(new Set(whole)).toEqual(new Set(created.map((d) => d.id)));
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await fresh.client.useCases.list.query({
        status: "draft",
        limit: 1,
        cursor,
      });
      paged.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(whole);
  });

  it("organizations.stats counts published use cases", async () => {
    const fresh = await signUpAdmin(server);
    await publishNew(fresh);
    await fresh.client.useCases.createDraft.mutate({ title: "Not counted yet" });
    expect((await fresh.client.organizations.stats.query()).useCases).toBe(1);
  });
});

describe("media", () => {
  const png = (color: string) =>
    sharp({ create: { width: 1200, height: 800, channels: 3, background: color } })
      .png()
      .toBuffer();
  const upload = async (user: TestUser, body: Buffer) =>
    (await uploadFile(server, user, { name: "line.png", contentType: "image/png", body: new Uint8Array(body) })).id;
  const download = (user: TestUser, id: string) =>
    fetch(`${server.url}/files/${id}`, { headers: { authorization: `Bearer ${user.token}` } });

  it("attaches photos (processed, status live), captions, orders and removes them; a draft's files stay private", async () => {
    const events: { type: string }[] = [];
    const sub = owner.client.me.onEvents.subscribe({}, { onData: (e) => events.push(e.data) });
    try {
      const draft = await owner.client.useCases.createDraft.mutate({ title: "Photos of the new press line" });
      const [first, second] = [await upload(owner, await png("#336699")), await upload(owner, await png("#993366"))];
      await owner.client.useCases.addMedia.mutate({ id: draft.id, fileId: first, caption: "Press" });
      const both = await owner.client.useCases.addMedia.mutate({ id: draft.id, fileId: second, caption: "Dies" });
      expect(both.map((m) => [m.fileId, m.caption])).toEqual([
        [first, "Press"],
        [second, "Dies"],
      ]);
      const ready = await waitFor(async () => {
        const { media } = await owner.client.useCases.get.query({ id: draft.id });
        return media.every((m) => m.status === "ready") && media;
      }, 15_000);
      expect(ready[0]).toMatchObject({ kind: "image", width: 1200, height: 800, displayFileId: expect.any(String) });
      await waitFor(() => events.some((e) => e.type === "media.status"));
      // The caption of an attached file changes in place; the order is the owner's.
      await owner.client.useCases.addMedia.mutate({ id: draft.id, fileId: first, caption: "The new press" });
      const reordered = await owner.client.useCases.reorderMedia.mutate({ id: draft.id, fileIds: [second, first] });
      expect(reordered.map((m) => [m.fileId, m.caption])).toEqual([
        [second, "Dies"],
        [first, "The new press"],
      ]);
      expect(
        (await failure(owner.client.useCases.reorderMedia.mutate({ id: draft.id, fileIds: [first] }))).fields,
      ).toEqual(["fileIds"]);
      // Nobody outside sees a draft's files or their variants; once published, everyone signed in does.
      const variant = ready[0]?.thumb320FileId as string;
      for (const id of [first, variant]) expect((await download(other, id)).status).toBe(404);
      expect((await download(adminA, variant)).status).toBe(200);
      // Someone else's upload cannot be attached.
      const foreign = await upload(other, await png("#000000"));
      expect(
        (await failure(owner.client.useCases.addMedia.mutate({ id: draft.id, fileId: foreign, caption: "" }))).fields,
      ).toEqual(["fileId"]);
      const removed = await owner.client.useCases.removeMedia.mutate({ id: draft.id, fileId: second });
      expect(removed.map((m) => m.fileId)).toEqual([first]);
      await owner.client.useCases.updateDraft.mutate({
        id: draft.id,
        ...complete({ title: "Photos of the new press line" }),
      });
      await owner.client.useCases.publish.mutate({ id: draft.id });
      expect((await download(other, variant)).status).toBe(200);
      // Lists carry what a card shows: the first photo and the measured outcomes.
      const { items } = await other.client.useCases.list.query({ q: "press line" });
      expect(items.find((i) => i.id === draft.id)).toMatchObject({
        cover: { fileId: first, thumb320FileId: variant },
        outcomes: { costSavingsPercent: 18, roiMonths: 9 },
      });
      // A use case from before cards were kept in PostgreSQL gets its card copied by the job.
      await server.deps.db
        .updateTable("useCases")
        .set({ cardPending: true, outcomes: null, coverFileId: null })
        .where("id", "=", draft.id)
        .execute();
      await server.deps.db.deleteFrom("useCaseMedia").where("useCaseId", "=", draft.id).execute();
      expect((await download(other, variant)).status).toBe(404);
      await useCaseWriteJobs.find((j) => j.name === "useCases.fillCards")?.run(server.deps, {});
      const after = await other.client.useCases.list.query({ q: "press line" });
      expect(after.items.find((i) => i.id === draft.id)).toMatchObject({
        cover: { fileId: first },
        outcomes: { costSavingsPercent: 18, roiMonths: 9 },
      });
      expect((await download(other, variant)).status).toBe(200);
    } finally {
      sub.unsubscribe();
    }
  });
  it("an admin arranges a member's attached photos, but cannot attach the member's other uploads", async () => {
    const draft = await owner.client.useCases.createDraft.mutate({ title: "Member's photos" });
    const [attached, privateOne] = [
      await upload(owner, await png("#0a0b0c")),
      await upload(owner, await png("#0c0b0a")),
    ];
    await owner.client.useCases.addMedia.mutate({ id: draft.id, fileId: attached, caption: "mine" });
    const recaptioned = await adminA.client.useCases.addMedia.mutate({
      id: draft.id,
      fileId: attached,
      caption: "Line 2",
    });
    expect(recaptioned.map((m) => m.caption)).toEqual(["Line 2"]);
    const refused = await failure(
      adminA.client.useCases.addMedia.mutate({ id: draft.id, fileId: privateOne, caption: "" }),
    );
    expect(refused.fields).toEqual(["fileId"]);
    expect((await download(adminA, privateOne)).status).toBe(404);

    // The other way round: the owner captions again a photo their admin added.
    const byAdmin = await upload(adminA, await png("#0b0a0c"));
    await adminA.client.useCases.addMedia.mutate({ id: draft.id, fileId: byAdmin, caption: "from the admin" });
    const mine = await owner.client.useCases.addMedia.mutate({ id: draft.id, fileId: byAdmin, caption: "Line 3" });
    expect(mine.map((m) => m.caption)).toEqual(["Line 2", "Line 3"]);
  });

  it("a photo captioned again while it is removed is either there, shown, or gone: never a hidden leftover", async () => {
    const draft = await owner.client.useCases.createDraft.mutate({ title: "Caption or remove" });
    for (let round = 0; round < 6; round++) {
      const fileId = await upload(owner, await png(`#12345${round}`));
      await owner.client.useCases.addMedia.mutate({ id: draft.id, fileId, caption: "first" });
      await Promise.allSettled([
        owner.client.useCases.addMedia.mutate({ id: draft.id, fileId, caption: "second" }),
        adminA.client.useCases.removeMedia.mutate({ id: draft.id, fileId }),
      ]);
      const shown = (await owner.client.useCases.get.query({ id: draft.id })).media.map((m) => m.fileId);
      // What the owner sees is exactly what is attached: reordering it is accepted.
      await owner.client.useCases.reorderMedia.mutate({ id: draft.id, fileIds: shown });
    }
  });

  it("photos added, removed and edited at once all land; a removed photo of a published use case is private again", async () => {
    const draft = await owner.client.useCases.createDraft.mutate({ title: "Many photos of the paint shop" });
    const colors = ["#110000", "#002200", "#000033", "#444400", "#005555", "#660066"];
    const files = await Promise.all(colors.map(async (c) => upload(owner, await png(c))));
    // Six photos picked at once, while the text is edited.
    await Promise.all([
      ...files.map((fileId, i) =>
        owner.client.useCases.addMedia.mutate({ id: draft.id, fileId, caption: `Photo ${i}` }),
      ),
      owner.client.useCases.updateDraft.mutate({
        id: draft.id,
        ...complete({ title: "Many photos of the paint shop" }),
      }),
    ]);
    const attached = await owner.client.useCases.get.query({ id: draft.id });
    expect(new Set(attached.media.map((m) => m.fileId))).toEqual(new Set(files));
    expect(attached.title).toBe("Many photos of the paint shop");
    expect(attached.problem).toBe(complete().problem);
    await owner.client.useCases.publish.mutate({ id: draft.id });
    for (const id of files) expect((await download(other, id)).status).toBe(200);

    // Four removed at once: each is gone, and nobody outside can download it any more.
    const [keep1, keep2, ...removed] = files as [string, string, ...string[]];
    await Promise.all(removed.map((fileId) => owner.client.useCases.removeMedia.mutate({ id: draft.id, fileId })));
    const left = await other.client.useCases.get.query({ id: draft.id });
    expect(new Set(left.media.map((m) => m.fileId))).toEqual(new Set([keep1, keep2]));
    for (const id of removed) expect((await download(other, id)).status).toBe(404);
    expect((await download(other, keep1)).status).toBe(200);
  });
});
