import { type IndexDescription, MongoClient, type Db as MongoDatabase } from "mongodb";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";

export interface Mongo {
  client: MongoClient;
  db: MongoDatabase;
}

/**
 * The driver reconnects by itself; while no server answers, an operation fails after
 * `serverSelectionTimeoutMS` (a MongoServerSelectionError, answered as 503) instead of waiting.
 * MongoClient never emits an unhandled 'error'; server state changes are logged here.
 */
export async function connectMongo(opts: {
  url: string;
  dbName: string;
  logger?: Logger;
  /** Counts the connection pool from the first connection on. */
  metrics?: Metrics;
}): Promise<Mongo> {
  const maxPoolSize = 20;
  const client = new MongoClient(opts.url, { serverSelectionTimeoutMS: 3_000, connectTimeoutMS: 3_000, maxPoolSize });
  opts.metrics?.watchMongoPool(client, maxPoolSize);
  client.on("serverDescriptionChanged", ({ address, previousDescription, newDescription }) => {
    const was = previousDescription.type === "Unknown";
    const is = newDescription.type === "Unknown";
    if (!was && is)
      opts.logger?.warn({ store: "mongo", address, err: newDescription.error?.message }, "mongo server unreachable");
    else if (was && !is) opts.logger?.info({ store: "mongo", address }, "mongo server reachable");
  });
  await client.connect();
  return { client, db: client.db(opts.dbName) };
}

/** Index specs per collection; each domain module adds its own entry. */
export type MongoIndexes = Record<string, IndexDescription[]>;

const indexName = (spec: IndexDescription) =>
  spec.name ??
  Object.entries(spec.key as Record<string, unknown>)
    .map(([field, dir]) => `${field}_${dir}`)
    .join("_");

/**
 * Creates the declared indexes that do not exist yet. Only the missing ones are sent: FerretDB v1
 * drops the connection when asked to create an index that already exists (MongoDB treats it as a
 * no-op), and asking for none at all is cheaper anyway. FerretDB v1 has no partial indexes: there
 * they are created whole (and infra/mongo/ferretdb-indexes.ts gives PostgreSQL the partial one).
 */
export async function ensureMongoIndexes(db: MongoDatabase, indexes: MongoIndexes): Promise<void> {
  await Promise.all(
    Object.entries(indexes).map(async ([name, specs]) => {
      const collection = db.collection(name);
      const existing = new Set(
        (
          await collection
            .listIndexes()
            .toArray()
            .catch(() => [])
        ).map((index) => index.name as string),
      );
      const missing = specs.filter((spec) => !existing.has(indexName(spec)));
      if (!missing.length) return;
      await collection.createIndexes(missing).catch((err: Error) => {
        if (!/partialFilterExpression.*not implemented/.test(err.message)) throw err;
        return collection.createIndexes(missing.map(({ partialFilterExpression: _, ...whole }) => whole));
      });
    }),
  );
}
