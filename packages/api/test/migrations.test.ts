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
  });
});
