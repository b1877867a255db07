import { type IndexDescription, MongoClient, type Db as MongoDatabase } from "mongodb";

export interface Mongo {
  client: MongoClient;
  db: MongoDatabase;
}

export async function connectMongo(opts: { url: string; dbName: string }): Promise<Mongo> {
  const client = new MongoClient(opts.url, { serverSelectionTimeoutMS: 5_000, maxPoolSize: 20 });
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
 * no-op), and asking for none at all is cheaper anyway.
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
      if (missing.length) await collection.createIndexes(missing);
    }),
  );
}
