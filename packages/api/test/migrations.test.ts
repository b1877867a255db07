import { randomUUID } from "node:crypto";
import { createDb, createMigrator } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { type Kysely, sql } from "kysely";
import { NO_MIGRATIONS } from "kysely/migration";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

let stores: TestStores;
// biome-ignore lint/suspicious/noExplicitAny: the test inspects whatever schema the migrations build
let db: Kysely<any>;

async function tables(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

beforeAll(async () => {
  stores = await createTestStores(inject("services"), { migrated: false });
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 2 });
});
afterAll(async () => {
  await db?.destroy();
  await stores?.drop();
});

describe("migrations", () => {
  it("migrate to latest, roll every migration back, and forward again", async () => {
    const migrator = createMigrator(db);
    const all = await migrator.getMigrations();
    expect(await tables()).toEqual([]);

    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    expect(up.results?.map((r) => r.status)).toEqual(all.map(() => "Success"));
    const latest = await tables();
    expect(latest).toContain("mail_outbox");

    // One step at a time, so every down() runs against the schema it was written for.
    for (let i = all.length; i > 0; i--) {
      const step = await migrator.migrateDown();
      expect(step.error).toBeUndefined();
    }
    expect(await tables()).toEqual([]);
    expect((await migrator.migrateTo(NO_MIGRATIONS)).results).toEqual([]);

    const again = await migrator.migrateToLatest();
    expect(again.error).toBeUndefined();
    expect(await tables()).toEqual(latest);
  }, 120_000); // three passes over every migration: ~20 s alone, longer beside the rest of the suite

  it("every timestamp keeps milliseconds, as the Dates of keyset cursors do (new columns too)", async () => {
    const { rows } = await sql<{ column: string; precision: number }>`
      select c.table_name || '.' || c.column_name as column, c.datetime_precision as precision
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.data_type like 'timestamp%'`.execute(db);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.precision !== 3)).toEqual([]);
  });

  it("0028 gives the search rows written before it their topic's visibility and organization", async () => {
    const migrator = createMigrator(db);
    expect((await migrator.migrateTo("0027_client_keys")).error).toBeUndefined();
    const [org, user, category, internal, open] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    await sql`insert into organizations (id, name, industry, size, country, city)
      values (${org}, 'Old Org', 'manufacturing', '1-10', 'SA', 'Riyadh')`.execute(db);
    await sql`insert into users (id, email, first_name, last_name, role, organization_id)
      values (${user}, 'old@example.com', 'Old', 'Member', 'member', ${org})`.execute(db);
    await sql`insert into forum_categories (id, slug, name, description, position)
      values (${category}, 'old', 'Old', 'Old', 99)`.execute(db);
    const posts = { [internal]: randomUUID(), [open]: randomUUID() };
    for (const [id, visibility] of [
      [internal, "organization"],
      [open, "platform"],
    ] as const) {
      await sql`insert into forum_topics (id, category_id, author_id, organization_id, visibility, title, first_post_id)
        values (${id}, ${category}, ${user}, ${org}, ${visibility}, 'Gearbox oil', ${posts[id]})`.execute(db);
      await sql`insert into forum_search (post_id, topic_id, title, body, created_at)
        values (${posts[id]}, ${id}, 'Gearbox oil', 'Synthetic oil', now())`.execute(db);
    }

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const { rows } = await sql<{ topic: string; visibility: string; organization: string }>`
      select topic_id as topic, topic_visibility as visibility, topic_organization_id as organization
      from forum_search order by topic_visibility`.execute(db);
    expect(rows).toEqual([
      { topic: internal, visibility: "organization", organization: org },
      { topic: open, visibility: "platform", organization: org },
    ]);
    // Written without them (by code from before), a row is refused rather than shown to everyone.
    await expect(
      sql`insert into forum_search (post_id, topic_id, title, body, created_at)
        values (${randomUUID()}, ${open}, 'Gearbox oil', 'Mineral oil', now())`.execute(db),
    ).rejects.toThrow(/topic_visibility/);
  });
});
