import { execFile, execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { repoRoot } from "./repo";
import type { ServiceUrls } from "./services";

/** The services `scripts/services.sh` runs, by the names its `kill` and `start` take. */
export type InstanceService = "postgres" | "redis" | "ferretdb" | "versitygw";

/**
 * A set of real services of a test's own (`SERVICES_INSTANCE=<name> scripts/services.sh …`): its
 * own ports and data under `.local/instances/<name>/`, the same binaries as the shared services.
 * For tests that kill and restart services, which must not disturb the other test files.
 */
export interface ServiceInstance {
  name: string;
  /** Where the instance's services listen (valid before `up`). */
  urls: ServiceUrls;
  /** The instance's state, pids and logs. */
  dir: string;
  up(): Promise<void>;
  down(): Promise<void>;
  /** SIGKILL the service's real process (postgres: the whole server) and wait until it is gone. */
  kill(service: InstanceService): Promise<void>;
  /** Start it again, through the same script, and wait until it answers. */
  start(service: InstanceService): Promise<void>;
}

const script = () => resolve(repoRoot, "scripts/services.sh");

/**
 * Whether `scripts/services.sh` can start an instance here without installing or building anything
 * (root, PostgreSQL, Redis, FerretDB and versitygw present); otherwise why not.
 */
export function localInstanceSupport(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync("bash", [script(), "can-start"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    return { ok: true };
  } catch (err) {
    const { stdout, message } = err as { stdout?: string; message: string };
    const why = (stdout ?? "").trim().split("\n").filter(Boolean).join("; ");
    return { ok: false, reason: why || message };
  }
}

function run(name: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      "bash",
      [script(), ...args],
      { env: { ...process.env, SERVICES_INSTANCE: name }, encoding: "utf8", timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`SERVICES_INSTANCE=${name} services.sh ${args.join(" ")} failed: ${err.message}\n${stderr}`),
          );
        else resolvePromise(`${stdout}${stderr}`);
      },
    );
  });
}

export function serviceInstance(name: string): ServiceInstance {
  const out = execFileSync("bash", [script(), "env"], {
    encoding: "utf8",
    env: { ...process.env, SERVICES_INSTANCE: name },
  });
  const env = Object.fromEntries(
    out
      .split("\n")
      .map((line) => line.match(/^([A-Z0-9_]+)=(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string | undefined>;
  const need = (key: string) => {
    const value = env[key];
    if (!value) throw new Error(`SERVICES_INSTANCE=${name} services.sh env printed no ${key}:\n${out}`);
    return value;
  };
  return {
    name,
    dir: resolve(repoRoot, ".local/instances", name),
    urls: {
      databaseUrl: need("DATABASE_URL"),
      mongoUrl: need("MONGO_URL"),
      ...(env.FERRETDB_POSTGRES_URL ? { ferretDbPostgresUrl: env.FERRETDB_POSTGRES_URL } : {}),
      redisUrl: need("REDIS_URL"),
      s3: {
        endpoint: need("S3_ENDPOINT"),
        region: need("S3_REGION"),
        bucket: need("S3_BUCKET"),
        accessKeyId: need("S3_ACCESS_KEY_ID"),
        secretAccessKey: need("S3_SECRET_ACCESS_KEY"),
      },
      source: "local-scripts",
    },
    up: () => run(name, ["up"], 180_000).then(() => undefined),
    down: () => run(name, ["down"], 120_000).then(() => undefined),
    kill: (service) => run(name, ["kill", service], 30_000).then(() => undefined),
    start: (service) => run(name, ["start", service], 90_000).then(() => undefined),
  };
}
