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

const TIMEOUT_MS = 2_000;

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

/** Checks every store in parallel; ready only when all answer. */
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
