import { type AppDeps, closeDeps, createDeps, loadConfig } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * FerretDB v1 filters equality as `_jsonb->'field' @> value`, which its own btree indexes cannot
 * serve: startup adds GIN indexes that can (infra/mongo/ferretdb-indexes.ts). Only where the Mongo
 * server is FerretDB (the local scripts'); MongoDB uses its own indexes.
 */
const services = inject("services");
const ferretDb = services.ferretDbPostgresUrl;

let stores: TestStores;
let deps: AppDeps;

beforeAll(async () => {
  if (!ferretDb) return;
  stores = await createTestStores(services);
  deps = await createDeps(loadConfig(stores.env), { migrate: true });
});
afterAll(async () => {
  if (deps) await closeDeps(deps);
  await stores?.drop();
});

/** The definitions of the PostgreSQL indexes on a collection's table. */
async function indexesOf(collection: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: ferretDb });
  await client.connect();
  try {
    const { rows } = await client.query<{ def: string }>(
      `select i.indexdef as def from pg_indexes i join "${stores.name}"._ferretdb_database_metadata m
         on m._jsonb->>'table' = i.tablename where i.schemaname = $1 and m._jsonb->>'_id' = $2`,
      [stores.name, collection],
    );
    return rows.map((r) => r.def);
  } finally {
    await client.end();
  }
}

/** FerretDB's own query plan (PostgreSQL's) for a find. */
async function planOf(collection: string, filter: Record<string, unknown>) {
  const explained = await deps.mongo.db.command({ explain: { find: collection, filter } });
  return JSON.stringify(explained.queryPlanner);
}

describe.runIf(ferretDb)("FerretDB equality indexes", () => {
  it("a use case's document and a topic's posts are found through an index, not a scan of the collection", async () => {
    const docs = deps.mongo.db.collection<{ _id: string; n: number }>("use_case_docs");
    await docs.insertMany(Array.from({ length: 3_000 }, (_, n) => ({ _id: `uc-${n}`, n, media: [] })));
    const posts = deps.mongo.db.collection<{ _id: string; topicId: string; depth: number; pending: boolean }>(
      "forum_posts",
    );
    await posts.insertMany(
      Array.from({ length: 3_000 }, (_, n) => ({ _id: `p-${n}`, topicId: `t-${n % 300}`, depth: 0, pending: n < 3 })),
    );
    // Fresh statistics of this database's tables, as autovacuum would gather them.
    const client = new pg.Client({ connectionString: ferretDb });
    await client.connect();
    try {
      const { rows } = await client.query<{ table: string }>(
        `select _jsonb->>'table' as table from "${stores.name}"._ferretdb_database_metadata`,
      );
      for (const { table } of rows) await client.query(`analyze "${stores.name}"."${table}"`);
    } finally {
      await client.end();
    }

    expect(await docs.findOne({ _id: "uc-1234" })).toMatchObject({ n: 1234 });
    expect(await planOf("use_case_docs", { _id: "uc-1234" })).toMatch(/Bitmap Index Scan|Index Scan/);
    expect(await posts.countDocuments({ topicId: "t-7" })).toBe(10);
    const plan = await planOf("forum_posts", { topicId: "t-7" });
    expect(plan).toMatch(/_eq_topicId/);
    expect(plan).not.toMatch(/Seq Scan/);

    // A topic's released posts: by the topic alone, never ANDed with every released post's entry of
    // the flag; the few pending ones (the repair job) by the flag's partial index.
    expect(await posts.countDocuments({ topicId: "t-7", depth: 0, pending: false })).toBe(10);
    const released = await planOf("forum_posts", { topicId: "t-7", depth: 0, pending: false });
    expect(released).toMatch(/_eq_topicId/);
    expect(released).not.toMatch(/_eqp?_pending|BitmapAnd|Seq Scan/);
    expect(await posts.countDocuments({ pending: true })).toBe(3);
    expect(await indexesOf("forum_posts")).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/_eqp_pending .* WHERE \(\(_jsonb -> 'pending'::text\) @> 'true'::jsonb\)$/),
      ]),
    );
    expect(await indexesOf("forum_posts")).not.toEqual(expect.arrayContaining([expect.stringMatching(/_eq_pending/)]));
  });

  it("a second start finds the indexes in place", async () => {
    const again = await createDeps(loadConfig(stores.env), { migrate: true });
    await closeDeps(again);
  });
});
