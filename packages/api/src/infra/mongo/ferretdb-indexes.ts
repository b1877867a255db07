import pg from "pg";
import type { MongoIndexes } from "./mongo";

/** PostgreSQL's "already exists" (a parallel start created the same index first). */
const ALREADY_EXISTS = new Set(["42P07", "23505"]);

/**
 * FerretDB v1 (the MongoDB-wire server used here, on PostgreSQL) turns an equality filter into
 * `_jsonb->'field' @> value`, which its own indexes (btree on `_jsonb->'field'`) cannot serve: every
 * lookup by id was a sequential scan of the collection's table (300 ms per use case at 100k of
 * them, 4 ms with this). Given FerretDB's PostgreSQL (`FERRETDB_POSTGRES_URL`), this adds to each
 * collection's table a GIN index (jsonb_path_ops, which serves `@>`) on `_id` and on the first
 * field of every declared index. MongoDB itself (compose, production) needs none of this, and the
 * setting is unset there. FerretDB keeps a database's collections in the schema of that name and
 * lists their tables in `_ferretdb_database_metadata`.
 */
export async function ensureFerretDbEqualityIndexes(
  postgresUrl: string,
  database: string,
  indexes: MongoIndexes,
): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const schema = pg.escapeIdentifier(database);
    const { rows } = await client.query<{ collection: string; table: string }>(
      `select _jsonb->>'_id' as collection, _jsonb->>'table' as table from ${schema}._ferretdb_database_metadata`,
    );
    const tables = new Map(rows.map((r) => [r.collection, r.table]));
    for (const [collection, specs] of Object.entries(indexes)) {
      const table = tables.get(collection);
      if (!table) continue;
      const fields = new Set(["_id", ...specs.map((spec) => Object.keys(spec.key)[0] as string)]);
      for (const field of fields) {
        // Dotted paths reach into arrays here, which FerretDB does not push down.
        if (field.includes(".")) continue;
        const name = pg.escapeIdentifier(`${table}_eq_${field}`.slice(0, 63));
        await client
          .query(
            `create index if not exists ${name} on ${schema}.${pg.escapeIdentifier(table)} using gin ((_jsonb -> ${pg.escapeLiteral(field)}) jsonb_path_ops)`,
          )
          .catch((err: { code?: string }) => {
            if (!ALREADY_EXISTS.has(err.code ?? "")) throw err;
          });
      }
    }
  } finally {
    await client.end();
  }
}
