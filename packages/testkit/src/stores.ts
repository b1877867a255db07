import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { createDb, migrateToLatest } from "@p2p/api";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { MongoClient } from "mongodb";
import { repoRoot } from "./repo";
import type { ServiceUrls } from "./services";

/** Every test run's migrated template database is named `p2p_tpl_<time>_<random>`. */
export const TEMPLATE_PREFIX = "p2p_tpl_";

/** Migrates the (empty) database `templateDb` to latest: what each test file's database copies. */
export async function migratedTemplate(databaseUrl: string, templateDb: string): Promise<void> {
  const template = createDb({ url: adminUrl(databaseUrl, templateDb), poolSize: 1 });
  try {
    await migrateToLatest(template);
  } finally {
    await template.destroy();
  }
}

/** The same server with another database name. */
export function adminUrl(databaseUrl: string, database = "postgres"): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * One test file's private corner of every store: its own PG database, Mongo database, Redis prefix,
 * S3 bucket and local storage directory. `drop()` removes all of them.
 */
export interface TestStores {
  name: string;
  env: Record<string, string>;
  /** Where file bytes go: the S3 bucket (STORAGE_DRIVER=s3) and the directory (STORAGE_DRIVER=local). */
  storage: { bucket: string; dir: string };
  drop(): Promise<void>;
}

/** An S3 client for the test services, the way the app's S3 storage configures it. */
export function testS3Client(s3: ServiceUrls["s3"]): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export async function createTestStores(
  services: ServiceUrls,
  options: { migrated?: boolean } = {},
): Promise<TestStores> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  // Its own bucket (created by the server's S3 storage at start, when it uses S3) and an absolute
  // directory, so drop() finds exactly what this file stored whatever the working directory.
  const storage = { bucket: `p2p-${name.replaceAll("_", "-")}`, dir: resolve(repoRoot, ".local/test-files", name) };
  // Copying the run's migrated template is much faster than migrating each file's database.
  const template = options.migrated === false ? null : services.templateDb;
  if (template === undefined) throw new Error("no template database: createTestStores runs under the global setup");
  const admin = createDb({ url: adminUrl(services.databaseUrl), poolSize: 1 });
  try {
    await (template
      ? sql`create database ${sql.id(name)} template ${sql.id(template)}`
      : sql`create database ${sql.id(name)}`
    ).execute(admin);
  } finally {
    await admin.destroy();
  }
  const env = {
    NODE_ENV: "test",
    DEV_OUTBOX: "true",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: adminUrl(services.databaseUrl, name),
    DATABASE_POOL_SIZE: "5",
    // Cheapest argon2id the library allows: tests hash many passwords.
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_PASSES: "1",
    // Tests call fast from one IP: the general request limit is on, but far away (rate-limit tests lower it).
    RATE_LIMIT_PER_IP_PER_SECOND: "1000000",
    RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
    RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000000",
    RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: "1000000",
    SIGNUPS_PER_IP_PER_HOUR: "1000000",
    MONGO_URL: services.mongoUrl,
    MONGO_DB: name,
    ...(services.ferretDbPostgresUrl ? { FERRETDB_POSTGRES_URL: services.ferretDbPostgresUrl } : {}),
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: `${name}:`,
    STORAGE_DRIVER: "local",
    STORAGE_DIR: storage.dir,
    S3_ENDPOINT: services.s3.endpoint,
    S3_REGION: services.s3.region,
    S3_BUCKET: storage.bucket,
    S3_ACCESS_KEY_ID: services.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: services.s3.secretAccessKey,
  };
  return {
    name,
    env,
    storage,
    async drop() {
      const pgAdmin = createDb({ url: adminUrl(services.databaseUrl), poolSize: 1 });
      const mongo = new MongoClient(services.mongoUrl);
      const redis = new Redis(services.redisUrl);
      try {
        await Promise.all([
          sql`drop database if exists ${sql.id(name)} with (force)`.execute(pgAdmin),
          mongo.db(name).dropDatabase(),
          deleteKeys(redis, `${name}:*`),
          deleteBucket(services.s3, storage.bucket),
          rm(storage.dir, { recursive: true, force: true }),
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

/** Empties and removes a bucket; nothing to do when it was never created (local storage). */
async function deleteBucket(s3: ServiceUrls["s3"], bucket: string): Promise<void> {
  const client = testS3Client(s3);
  try {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchBucket") return;
        throw err;
      }
      await Promise.all(
        (page.Contents ?? []).map((o) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }))),
      );
      token = page.NextContinuationToken;
    } while (token);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
