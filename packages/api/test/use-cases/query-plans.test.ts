/**
 * `useCases.list` EXPLAINed on 100k use cases: every filter and sort is served by an index (no
 * sequential scan of use_cases), text by the GIN document, distance by the GiST earth index.
 */
import { createDb } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Db } from "../../src/infra/postgres/db";
import { type ListFilter, listQuery, type Reader } from "../../src/modules/useCases/repo";
import { explainQuery, seqScansOf } from "../plans";

const USE_CASES = 100_000;

let stores: TestStores;
let db: Db;
let reader: Reader;

beforeAll(async () => {
  stores = await createTestStores(inject("services"));
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 2 });
  await sql`
    insert into organizations (id, name, industry, size, country, city)
    select gen_random_uuid(), 'UC org ' || i, 'manufacturing', '11-50', 'SA', 'Riyadh' from generate_series(1, 50) i`.execute(
    db,
  );
  await sql`
    insert into users (id, organization_id, email, first_name, last_name, role)
    select gen_random_uuid(), o.ids[1 + i % 50], 'uc' || i || '@example.com', 'Uc', 'User ' || i, 'member'
    from generate_series(1, 500) i, (select array_agg(id order by name) ids from organizations) o`.execute(db);
  // 100k use cases: 90% published, industries, technologies, tags, cities and points spread by the row number.
  await sql`
    insert into use_cases (id, owner_id, organization_id, status, title, summary, industry, technologies,
      technology_keys, tags, city, country, lat, lng, view_count, search_text, content_rev, published_at, updated_at)
    select gen_random_uuid(), u.ids[1 + i % 500], u.orgs[1 + i % 500],
      case when i % 10 = 0 then 'draft' else 'published' end,
      'Use case ' || i || ' on ' || w.words[1 + i % 12], 'How line ' || i % 40 || ' improved its ' || w.words[1 + (i / 12) % 12],
      (array['manufacturing', 'oil_and_gas', 'utilities', 'automotive', 'mining', 'logistics'])[1 + i % 6],
      array[w.words[1 + i % 12], 'T' || i % 200], array[lower(w.words[1 + i % 12]), 't' || i % 200],
      array['tag' || i % 50], c.names[1 + i % 8], 'SA', c.lats[1 + i % 8] + (i % 100) / 1000.0, c.lngs[1 + i % 8] + (i % 37) / 1000.0,
      (i * 37) % 5000, 'problem and solution about ' || w.words[1 + (i / 7) % 12], gen_random_uuid(),
      now() - i * interval '1 minute', now() - i * interval '1 minute'
    from generate_series(1, ${USE_CASES}) i,
      (select array_agg(id order by email) ids, array_agg(organization_id order by email) orgs from users) u,
      (select array['SCADA', 'PLC', 'IoT', 'Robotics', 'Vision', 'MES', 'ERP', 'Cobots', 'LIDAR', 'RFID', 'AGV', 'Twin'] words) w,
      (select array['Riyadh', 'Jeddah', 'Dammam', 'Jubail', 'Yanbu', 'Mecca', 'Medina', 'Tabuk'] names,
              array[24.71, 21.49, 26.42, 27.01, 24.09, 21.39, 24.52, 28.38]::float8[] lats,
              array[46.68, 39.19, 50.09, 49.66, 38.06, 39.86, 39.57, 36.57]::float8[] lngs) c`.execute(db);
  await sql`analyze`.execute(db);
  const user = await db.selectFrom("users").select(["id", "organizationId"]).orderBy("email").executeTakeFirstOrThrow();
  reader = { userId: user.id, organizationId: user.organizationId, isAdmin: true, isModerator: false };
}, 240_000);
afterAll(async () => {
  await db?.destroy();
  await stores?.drop();
});

const cases: [string, Partial<ListFilter>][] = [
  ["newest", {}],
  ["most viewed", { sort: "mostViewed" }],
  ["industry", { industry: "mining" }],
  ["technology", { technologies: ["lidar"] }],
  ["rare technology", { technologies: ["t17"] }],
  ["tags", { tags: ["tag7"] }],
  ["city", { city: "Tabuk" }],
  ["text", { q: "rfid" }],
  ["near, nearest first", { near: { lat: 26.42, lng: 50.09, radiusKm: 50 }, sort: "nearest" }],
  ["near, newest", { near: { lat: 21.49, lng: 39.19, radiusKm: 20 } }],
  ["own organization's drafts", { status: "draft" }],
];

describe("use case list plans at 100k", () => {
  it.each(cases)("%s: no sequential scan of use_cases", async (_name, filter) => {
    const query = listQuery(db, reader, { sort: "newest", ...filter }, null, 20);
    expect((await query.execute()).length).toBeGreaterThan(0);
    const plan = await explainQuery(db, query);
    expect(seqScansOf(plan, "use_cases"), plan.key).toBe(0);
  });
});
