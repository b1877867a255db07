/**
 * locations.searchCities over the real gazetteer (GeoNames cities, filled by migration 0008): prefixes in English and Arabic, typos, the country filter, ranking, refusals;
 * and the in-memory search (locations/gazetteer.ts) against PostgreSQL and a brute force over every key.
 */
import { failure, signUpAdmin, startTestServer, type TestServer, type TestUser } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prefixEdits, searchKey } from "../src/modules/locations/names";

const RIYADH = 108410; // GeoNames id

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await signUpAdmin(server);
});
afterAll(async () => {
  await server?.close();
});

const search = (input: { q: string; country?: string; limit?: number }) =>
  user.client.locations.searchCities.query(input);

describe("locations.searchCities", () => {
  it("finds Riyadh by a prefix, by another spelling and despite a typo, first each time", async () => {
    for (const q of ["riy", "Riyad", "Riyadh", "  RIYADH ", "Riyahd", "Riyadg", "Ar Riyadh"]) {
      const { items } = await search({ q });
      expect(items[0]?.id, q).toBe(RIYADH);
    }
    const [riyadh] = (await search({ q: "Riyadh", limit: 1 })).items;
    expect(riyadh).toEqual({
      id: RIYADH,
      name: "Riyadh",
      nameAr: "الرياض",
      country: "SA",
      region: "Riyadh Region",
      lat: expect.closeTo(24.69, 1),
      lng: expect.closeTo(46.72, 1),
      population: expect.any(Number),
    });
    expect(riyadh?.population).toBeGreaterThan(1_000_000);
  });

  it("finds cities by their Arabic names, with or without the article, hamza or taa marbuta", async () => {
    expect((await search({ q: "الرياض" })).items[0]?.id).toBe(RIYADH);
    expect((await search({ q: "الري" })).items[0]?.id).toBe(RIYADH); // before Rey (الري), population 0
    expect((await search({ q: "رياض" })).items[0]?.id).toBe(RIYADH);
    expect((await search({ q: "الرياظ" })).items[0]?.id).toBe(RIYADH); // a typo
    const [jeddah] = (await search({ q: "جده" })).items;
    expect(jeddah).toMatchObject({ name: "Jeddah", nameAr: "جدة", country: "SA" });
    expect((await search({ q: "الطايف" })).items[0]).toMatchObject({ nameAr: "الطائف", country: "SA" });
    expect((await search({ q: "Taif" })).items[0]).toMatchObject({ nameAr: "الطائف", country: "SA" });
  });

  it("finds a name from a later word of it (al kharj by kharj)", async () => {
    expect((await search({ q: "khar", country: "SA" })).items[0]).toMatchObject({ name: "Al Kharj" });
    expect((await search({ q: "خرج", country: "SA" })).items[0]).toMatchObject({ name: "Al Kharj" });
  });

  it("filters by country and ranks equal matches by population", async () => {
    // Names (any spelling) that start with the query come first, largest first; then one typo away.
    // What PostgreSQL finds by the same keys (the collation-C range of the key index), largest first.
    const prefixIds = async (country?: string) =>
      (
        await sql<{ cityId: number }>`
          select n.city_id from city_names n join cities c on c.id = n.city_id
          where n.key >= 'medina' and n.key < ${"medina\u{10FFFF}"} ${country ? sql`and n.country = ${country}` : sql``}
          group by n.city_id, c.population order by c.population desc, n.city_id limit 20`.execute(server.deps.db)
      ).rows.map((m) => m.cityId);
    const sorted = (list: { population: number }[]) =>
      list.map((c) => c.population).join() ===
      list
        .map((c) => c.population)
        .sort((x, y) => y - x)
        .join();

    const all = (await search({ q: "Medina", limit: 20 })).items;
    expect(all[0]).toMatchObject({ country: "SA", nameAr: "المدينة" });
    expect(new Set(all.map((c) => c.country)).size).toBeGreaterThan(3);
    const worldwide = await prefixIds();
    expect(worldwide.length).toBeGreaterThan(5);
    expect(all.slice(0, worldwide.length).map((c) => c.id)).toEqual(worldwide);
    expect(sorted(all.slice(0, worldwide.length))).toBe(true);
    expect(all.slice(worldwide.length).length).toBeGreaterThan(0); // typo matches fill the page

    const us = (await search({ q: "medina", country: "us", limit: 20 })).items;
    expect(us.length).toBeGreaterThan(3);
    expect(us.every((c) => c.country === "US")).toBe(true);
    const inUs = await prefixIds("US");
    expect(us.slice(0, inUs.length).map((c) => c.id)).toEqual(inUs);
    expect(sorted(us.slice(0, inUs.length))).toBe(true);

    const short = (await search({ q: "d", country: "SA", limit: 3 })).items;
    // Jeddah by its French spelling Djeddah: Latin alternates of large cities are keys too.
    expect(short.map((c) => c.name)).toEqual(["Jeddah", "Dammam", "Jizan"]);
    expect((await search({ q: "ri", limit: 20 })).items).toHaveLength(20);
  });

  it("answers an empty list for a query that matches nothing, and respects the limit", async () => {
    expect((await search({ q: "qqqqxxzz" })).items).toEqual([]);
    expect((await search({ q: "!!!" })).items).toEqual([]);
    expect((await search({ q: "a", limit: 3 })).items).toHaveLength(3);
    expect((await search({ q: "san" })).items).toHaveLength(10);
  });

  it("names the bad field", async () => {
    for (const [input, field] of [
      [{ q: "" }, "q"],
      [{ q: "   " }, "q"],
      [{ q: "ri\u0000yadh" }, "q"],
      [{ q: "x".repeat(101) }, "q"],
      [{ q: "riy", country: "Saudi Arabia" }, "country"],
      [{ q: "riy", country: "S1" }, "country"],
      [{ q: "riy", limit: 21 }, "limit"],
      [{ q: "riy", limit: 0 }, "limit"],
      [{ q: "riy", limit: 2.5 }, "limit"],
    ] as const) {
      expect(await failure(search(input as { q: string }))).toMatchObject({ appCode: "BAD_REQUEST", fields: [field] });
    }
  });

  it("refuses anonymous callers", async () => {
    expect((await failure(server.client().locations.searchCities.query({ q: "riy" }))).code).toBe("UNAUTHORIZED");
  });

  it("answers over REST at GET /api/v1/locations/cities", async () => {
    const res = await fetch(`${server.url}/api/v1/locations/cities?q=riyadh&country=SA&limit=2`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { id: number; name: string }[] };
    expect(body.items[0]).toMatchObject({ id: RIYADH, name: "Riyadh" });
    const anonymous = await fetch(`${server.url}/api/v1/locations/cities?q=riyadh`);
    expect(anonymous.status).toBe(401);
  });
});

describe("the in-memory search", () => {
  it("finds by typos exactly the cities a brute force over every key finds, ranked by edits then population", async () => {
    const keys = (
      await sql<{ key: string; cityId: number; population: number; country: string }>`
        select n.key, n.city_id, c.population, c.country from city_names n join cities c on c.id = n.city_id`.execute(
        server.deps.db,
      )
    ).rows;
    const expected = (q: string, allowed: number, country?: string) => {
      const edits = new Map<number, { edits: number; population: number }>();
      for (const k of keys) {
        if (country && k.country !== country) continue;
        const e = prefixEdits(q, k.key);
        const known = edits.get(k.cityId);
        if (!known || e < known.edits) edits.set(k.cityId, { edits: e, population: k.population });
      }
      const prefixed = [...edits]
        .filter(([, v]) => v.edits === 0)
        .sort(([a, x], [b, y]) => y.population - x.population || a - b);
      const typos = [...edits]
        .filter(([, v]) => v.edits > 0 && v.edits <= allowed)
        .sort(([a, x], [b, y]) => x.edits - y.edits || y.population - x.population || a - b);
      return [...prefixed, ...typos].slice(0, 20).map(([id]) => id);
    };
    for (const [q, allowed, country] of [
      ["riyahd", 1],
      ["riaydh", 1], // two letters swapped
      ["jdedah", 1],
      ["jedah", 1],
      ["medinq", 1],
      ["dammma", 1],
      ["khobar", 1],
      ["الرياظ", 1],
      ["جدةة", 1],
      ["abu dhabu", 2],
      ["mecca", 1, "SA"],
      ["san franzisko", 2],
      ["qqqqxxzz", 2],
    ] as const) {
      const { items } = await search({ q, limit: 20, ...(country ? { country } : {}) });
      expect(
        items.map((c) => c.id),
        q,
      ).toEqual(expected(searchKey(q), allowed, country));
    }
  }, 60_000);
});
