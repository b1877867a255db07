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

/** Creates every declared index; createIndexes is a no-op for indexes that already exist. */
export async function ensureMongoIndexes(db: MongoDatabase, indexes: MongoIndexes): Promise<void> {
  await Promise.all(
    Object.entries(indexes)
      .filter(([, specs]) => specs.length > 0)
      .map(([collection, specs]) => db.collection(collection).createIndexes(specs)),
  );
}
