import { type IndexDescription, MongoClient, type Db as MongoDatabase } from "mongodb";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";

export interface Mongo {
  client: MongoClient;
  db: MongoDatabase;
}

/** The driver's connection pool size per node. */
const MAX_POOL_SIZE = 20;

/**
 * A client that never lets an unreachable or hung server hold a caller (each answered as 503):
 * while no server answers, an operation fails after `serverSelectionTimeoutMS` (a
 * MongoServerSelectionError); one sent to a server that stopped answering (a frozen host, a cut
 * network) fails once its socket has been silent for `socketTimeoutMS` (a MongoNetworkTimeoutError,
 * and the connection is closed); a checkout from a pool whose connections are all held waits at most
 * `waitQueueTimeoutMS`. The driver's `timeoutMS` has no effect from driver 7.8 on, hence these. Every
 * read and write here takes milliseconds; 5 s of silence is a server that is gone (an index built
 * at start on a large collection could take longer: build it before deploying the code that asks).
 */
export function mongoClient(url: string): MongoClient {
  return new MongoClient(url, {
    serverSelectionTimeoutMS: 3_000,
    connectTimeoutMS: 3_000,
    socketTimeoutMS: 5_000,
    waitQueueTimeoutMS: 10_000,
    maxPoolSize: MAX_POOL_SIZE,
  });
}

/**
 * The driver reconnects by itself (`mongoClient` bounds every wait). MongoClient never emits an
 * unhandled 'error'; server state changes are logged here.
 */
export async function connectMongo(opts: {
  url: string;
  dbName: string;
  logger?: Logger;
  /** Counts the connection pool from the first connection on. */
  metrics?: Metrics;
}): Promise<Mongo> {
  const client = mongoClient(opts.url);
  opts.metrics?.watchMongoPool(client, MAX_POOL_SIZE);
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
