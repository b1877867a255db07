import { sql } from "kysely";
import type { AppDeps } from "../deps";

export interface ComponentStatus {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  status: "ok" | "unavailable";
  version: string;
  components: Record<"postgres" | "mongo" | "redis" | "storage", ComponentStatus>;
}

// Each check gets its own deadline and they run in parallel, so /health/ready always answers
// within a second, whatever state a store is in (a dead MongoDB-wire server otherwise holds a ping
// for the driver's whole server-selection timeout).
const TIMEOUT_MS = 700;

async function probe(check: () => Promise<unknown>): Promise<ComponentStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // A public endpoint: say what kind of failure, never the host, port or driver message.
    const error = err instanceof Error && err.message.startsWith("no answer") ? "timeout" : "unreachable";
    return { ok: false, latencyMs: Math.round(performance.now() - started), error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks every store in parallel; ready only when all answer. Each component is checked through
 * the connection the app itself uses, so the answer is what a request would meet. A MongoDB-wire
 * server that keeps its data in PostgreSQL (FerretDB) fails its ping while PostgreSQL is down, so
 * a PostgreSQL outage reports both.
 */
export async function checkReadiness(deps: AppDeps): Promise<Readiness> {
  const [postgres, mongo, redis, storage] = await Promise.all([
    probe(() => sql`select 1`.execute(deps.db)),
    probe(() => deps.mongo.db.command({ ping: 1 })),
    probe(() => deps.redis.command.ping()),
    probe(() => deps.storage.ping()),
  ]);
  const components = { postgres, mongo, redis, storage };
  return {
    status: Object.values(components).every((c) => c.ok) ? "ok" : "unavailable",
    version: deps.config.version,
    components,
  };
}
