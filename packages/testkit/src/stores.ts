import { randomBytes } from "node:crypto";
import { createDb } from "@p2p/api";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { MongoClient } from "mongodb";
import type { ServiceUrls } from "./services";

export const TEMPLATE_DB = "p2p_test_template";

/** The same server with another database name. */
export function adminUrl(databaseUrl: string, database = "postgres"): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** One test file's private corner of every store: its own PG database, Mongo database, Redis prefix. */
export interface TestStores {
  name: string;
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createTestStores(
  services: ServiceUrls,
  options: { migrated?: boolean } = {},
): Promise<TestStores> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = createDb({ url: adminUrl(services.databaseUrl), poolSize: 1 });
  try {
    // Copying the migrated template is much faster than migrating each file's database.
    await (options.migrated === false
      ? sql`create database ${sql.id(name)}`
      : sql`create database ${sql.id(name)} template ${sql.id(TEMPLATE_DB)}`
    ).execute(admin);
  } finally {
    await admin.destroy();
  }
  const env = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: adminUrl(services.databaseUrl, name),
    DATABASE_POOL_SIZE: "5",
    // Cheapest argon2id the library allows: tests hash many passwords.
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_PASSES: "1",
    MONGO_URL: services.mongoUrl,
    MONGO_DB: name,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: `${name}:`,
    STORAGE_DRIVER: "local",
    STORAGE_DIR: `.local/test-files/${name}`,
    S3_ENDPOINT: services.s3.endpoint,
    S3_REGION: services.s3.region,
    S3_BUCKET: services.s3.bucket,
    S3_ACCESS_KEY_ID: services.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: services.s3.secretAccessKey,
  };
  return {
    name,
    env,
    async drop() {
      const pgAdmin = createDb({ url: adminUrl(services.databaseUrl), poolSize: 1 });
      const mongo = new MongoClient(services.mongoUrl);
      const redis = new Redis(services.redisUrl);
      try {
        await Promise.all([
          sql`drop database if exists ${sql.id(name)} with (force)`.execute(pgAdmin),
          mongo.db(name).dropDatabase(),
          deleteKeys(redis, `${name}:*`),
        ]);
      } finally {
        await Promise.allSettled([pgAdmin.destroy(), mongo.close(), redis.quit()]);
      }
    },
  };
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== "0");
}
