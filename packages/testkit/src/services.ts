import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { repoRoot } from "./repo";

/** Where the real services of a test run are. */
export interface ServiceUrls {
  databaseUrl: string;
  mongoUrl: string;
  /** FerretDB's own PostgreSQL database, when the Mongo server is FerretDB (the local scripts'). */
  ferretDbPostgresUrl?: string;
  redisUrl: string;
  s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  source: "env" | "testcontainers" | "local-scripts";
  /** This test run's migrated template database (set by the global setup). */
  templateDb?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by the global setup: every test file reaches the same services through `inject("services")`. */
    services: ServiceUrls;
  }
}

function fromEnv(env: Record<string, string | undefined>, source: ServiceUrls["source"]): ServiceUrls | null {
  const { DATABASE_URL, MONGO_URL, REDIS_URL, S3_ENDPOINT } = env;
  if (!DATABASE_URL || !MONGO_URL || !REDIS_URL || !S3_ENDPOINT) return null;
  return {
    databaseUrl: DATABASE_URL,
    mongoUrl: MONGO_URL,
    ...(env.FERRETDB_POSTGRES_URL ? { ferretDbPostgresUrl: env.FERRETDB_POSTGRES_URL } : {}),
    redisUrl: REDIS_URL,
    s3: {
      endpoint: S3_ENDPOINT,
      region: env.S3_REGION ?? "us-east-1",
      bucket: env.S3_BUCKET ?? "p2p",
      accessKeyId: env.S3_ACCESS_KEY_ID ?? "",
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? "",
    },
    source,
  };
}

/** A Docker engine that answers `docker info`, unless P2P_NO_DOCKER is set. */
export function dockerAvailable(): boolean {
  if (process.env.P2P_NO_DOCKER) return false;
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

async function fromTestcontainers(): Promise<{ urls: ServiceUrls; stop: () => Promise<void> }> {
  const [{ PostgreSqlContainer }, { MongoDBContainer }, { RedisContainer }, { MinioContainer }] = await Promise.all([
    import("@testcontainers/postgresql"),
    import("@testcontainers/mongodb"),
    import("@testcontainers/redis"),
    import("@testcontainers/minio"),
  ]);
  const [pg, mongo, redis, minio] = await Promise.all([
    new PostgreSqlContainer("postgres:16-alpine").withUsername("p2p").withPassword("p2p").withDatabase("p2p").start(),
    new MongoDBContainer("mongo:7").start(),
    new RedisContainer("redis:7-alpine").start(),
    new MinioContainer("minio/minio:latest").start(),
  ]);
  const urls: ServiceUrls = {
    databaseUrl: pg.getConnectionUri(),
    mongoUrl: `${mongo.getConnectionString()}?directConnection=true`,
    redisUrl: redis.getConnectionUrl(),
    s3: {
      endpoint: minio.getConnectionUrl(),
      region: "us-east-1",
      bucket: "p2p",
      accessKeyId: minio.getUsername(),
      secretAccessKey: minio.getPassword(),
    },
    source: "testcontainers",
  };
  return { urls, stop: async () => void (await Promise.all([pg, mongo, redis, minio].map((c) => c.stop()))) };
}

function fromLocalScripts(): ServiceUrls {
  const script = resolve(repoRoot, "scripts/services.sh");
  if (!existsSync(script)) throw new Error(`cannot find ${script}`);
  execFileSync("bash", [script, "up"], { stdio: "inherit" });
  const out = execFileSync("bash", [script, "env"], { encoding: "utf8" });
  const env = Object.fromEntries(
    out
      .split("\n")
      .map((line) => line.replace(/^export\s+/, "").match(/^([A-Z0-9_]+)=(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1], m[2]?.replace(/^"|"$/g, "")]),
  );
  const urls = fromEnv(env, "local-scripts");
  if (!urls) throw new Error(`scripts/services.sh env printed no service URLs:\n${out}`);
  return urls;
}

/** Env URLs first (CI and these machines), then testcontainers when Docker runs, then local scripts. */
export async function resolveServices(): Promise<{ urls: ServiceUrls; stop: () => Promise<void> }> {
  const env = fromEnv(process.env, "env");
  if (env) return { urls: env, stop: async () => {} };
  if (dockerAvailable()) return fromTestcontainers();
  return { urls: fromLocalScripts(), stop: async () => {} };
}

/** Where Debian's `redis-server` package, which scripts/services.sh apt-installs, puts the server. */
const DEBIAN_REDIS_SERVER = "/usr/bin/redis-server";

const executable = (path: string | undefined): path is string => {
  if (!path) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The redis-server executable the local scripts run, for a test that needs a Redis of its own
 * (e.g. one to kill). REDIS_SERVER_BIN wins; then the scripts' install location; then PATH; and
 * when none exists yet, `scripts/services.sh up` installs it. The path keeps its `redis-server`
 * name: Debian's is a symlink to redis-check-rdb, which picks its mode from that name.
 */
export function redisServerPath(): string {
  const find = () =>
    [
      process.env.REDIS_SERVER_BIN,
      DEBIAN_REDIS_SERVER,
      ...(process.env.PATH ?? "").split(delimiter).map((dir) => dir && join(dir, "redis-server")),
    ].find(executable);
  let found = find();
  if (!found) {
    execFileSync("bash", [resolve(repoRoot, "scripts/services.sh"), "up"], { stdio: "inherit" });
    found = find();
  }
  if (!found) throw new Error(`no redis-server: set REDIS_SERVER_BIN or run scripts/services.sh up`);
  return found;
}
