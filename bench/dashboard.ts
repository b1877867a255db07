/**
 * The dashboard's stats at 100k topics / 1M posts (issue 15): `dashboard.stats` p95 < 50 ms warm
 * and < 250 ms cold, and a cache hit rate above 80% with many users reading stats and occasional
 * writes.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; flock /tmp/bench.lock pnpm bench:dashboard
 *
 * Runs on bench/search.ts's data: services instance bench-search (started when down), databases
 * bench_search (100,000 topics, 1,000,000 posts, 20 organizations of 20 users). It does not seed
 * them: when missing, it says so and stops (`pnpm bench:search --seed-only` seeds them, in minutes).
 * Starts the production server (with a METRICS_TOKEN, to read `p2p_dashboard_cache_total` on
 * /metrics) and measures:
 *
 * - cold: the dashboard's Redis keys (`<prefix>dash:*`, modules/dashboard/cache.ts) flushed, then
 *   the first `dashboard.stats` of 20 users (BENCH_COLD_PER_ORG = 1 per organization; a cold
 *   request takes about a second here, so 40 × 4 would take minutes) for each of the 4 ranges,
 *   one request at a time (the "me" block always computed; the organization and platform blocks
 *   computed by the first of their users in that range). Also "cold, every block": the keys
 *   flushed before each of 8 requests, so all three blocks are computed.
 * - warm: 20 closed-loop clients (20 users, one per organization) cycling through the ranges for
 *   BENCH_SECONDS after a 1 s warm-up.
 * - mixed: 200 users (BENCH_MIXED_PER_ORG = 10 per organization), 20 requests in flight, each
 *   request the next (user, range) of a shuffled list; one `forums.createPost` (a reply to a platform topic, by that user) per 50 reads, which
 *   invalidates the writer's "me" block, their organization's block and the platform block. One
 *   unmeasured pass over every (user, range) first, so the window shows the steady state and not
 *   the first reads of 800 keys. Hit rate: the counter's hits / (hits + misses) over the window.
 *
 * Each mixed-scenario write adds a reply to bench_search (a few hundred per run, next to 1M posts).
 *
 * Env: BENCH_SEARCH_INSTANCE (bench-search), BENCH_COLD_PER_ORG (1), BENCH_MIXED_PER_ORG (10),
 * BENCH_SECONDS (5 warm; mixed twice that), BENCH_CLIENTS (20), BENCH_WRITE_EVERY (50), BENCH_PORT (4127), BENCH_LOG_LEVEL, BENCH_NO_APPEND.
 */
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { type AppDeps, closeDeps, createDb, createDeps, loadConfig } from "@p2p/api";
import { sql } from "kysely";
import {
  appendResults,
  benchServerEnv,
  call,
  closedLoop,
  commit,
  inParallel,
  Latencies,
  met,
  ms,
  openSessions,
  runMain,
  servicesEnv,
  startServer,
} from "./harness";
import { ensureDatabase, isSeeded, SEED } from "./search-seed";

const INSTANCE = process.env.BENCH_SEARCH_INSTANCE ?? "bench-search";
const DB_NAME = "bench_search";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const WRITE_EVERY = Number(process.env.BENCH_WRITE_EVERY ?? 50);
const PORT = Number(process.env.BENCH_PORT ?? 4127);
/** Cold users per organization, and the mixed scenario's readers per organization. */
const COLD_PER_ORG = Number(process.env.BENCH_COLD_PER_ORG ?? 1);
const MIXED_PER_ORG = Number(process.env.BENCH_MIXED_PER_ORG ?? 10);
const RANGES = ["7d", "30d", "90d", "all"] as const;
const TARGET = { warm: 50, cold: 250, hitRate: 0.8 };
const STATS = "dashboard.stats";

type Db = ReturnType<typeof createDb>;
interface User {
  id: string;
  orgId: string;
  token: string;
}

async function main(): Promise<void> {
  servicesEnv(INSTANCE || undefined);
  process.env.DATABASE_URL = await ensureDatabase(process.env.DATABASE_URL as string, DB_NAME);
  process.env.MONGO_DB = DB_NAME;
  const db = createDb({ url: process.env.DATABASE_URL, poolSize: 3 });
  try {
    if (!(await isSeeded(db))) {
      console.error(
        `${DB_NAME} on services instance ${INSTANCE || "(shared)"} is not seeded (${SEED.version}): run \`pnpm bench:search --seed-only\` first (it takes minutes).`,
      );
      process.exitCode = 1;
      return;
    }
    console.log(`reusing the seeded forum (${SEED.version}) in ${DB_NAME}`);
    await run(db);
  } finally {
    await db.destroy();
  }
}

/** The dashboard's cache counter on /metrics: hits and misses per block. */
async function cacheCounts(url: string, token: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`/metrics: ${res.status}`);
  const counts = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^p2p_dashboard_cache_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const block = /block="([^"]*)"/.exec(m[1] as string)?.[1];
    const result = /result="([^"]*)"/.exec(m[1] as string)?.[1];
    counts.set(`${block}:${result}`, (counts.get(`${block}:${result}`) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** Hit rate between two readings of the counter, overall and per block. */
function hitRate(before: Map<string, number>, after: Map<string, number>) {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const per = (block: string) => ({ hits: delta(`${block}:hit`), misses: delta(`${block}:miss`) });
  const blocks = { me: per("me"), org: per("org"), platform: per("platform") };
  const hits = blocks.me.hits + blocks.org.hits + blocks.platform.hits;
  const misses = blocks.me.misses + blocks.org.misses + blocks.platform.misses;
  return { hits, misses, rate: hits / (hits + misses || 1), blocks };
}
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/** Deletes every key of the dashboard's cache (blocks and generations: `<prefix>dash:*`). */
async function flushDashboard(deps: AppDeps): Promise<number> {
  const redis = deps.redis.command;
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${deps.redis.prefix}dash:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}

/** A deterministic shuffle (mulberry32), so every run sends the same sequence. */
function shuffled<T>(list: T[], seed = 15): T[] {
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function run(db: Db): Promise<void> {
  const metricsToken = randomBytes(24).toString("hex");
  const serverEnv: Record<string, string> = { ...benchServerEnv("bench-search", DB_NAME), METRICS_TOKEN: metricsToken };
  const server = await startServer({
    port: PORT,
    env: serverEnv,
    log: "bench-dashboard-server.log",
    readyTimeoutMs: 15 * 60_000,
  });
  const config = loadConfig({ ...process.env, ...serverEnv, NODE_ENV: "development" });
  const deps = await createDeps(config);
  try {
    const people = await db
      .selectFrom("users")
      .select(["id", "organizationId"])
      .where("status", "=", "active")
      .orderBy("organizationId")
      .orderBy("email")
      .execute();
    const tokens = await openSessions(
      deps,
      people.map((p) => p.id),
    );
    const users: User[] = people.map((p, i) => ({ id: p.id, orgId: p.organizationId, token: tokens[i] as string }));
    const byOrg = new Map<string, User[]>();
    for (const u of users) byOrg.set(u.orgId, [...(byOrg.get(u.orgId) ?? []), u]);
    const orgs = [...byOrg.values()];
    console.log(`${users.length} users in ${orgs.length} organizations signed in`);
    const topics = await sql<{ id: string }>`
      select id from forum_topics where deleted_at is null and visibility = 'platform'
      order by hashtext(id::text) limit 200`
      .execute(db)
      .then((r) => r.rows.map((t) => t.id));

    const latencies = new Latencies();
    const rates = new Map<string, ReturnType<typeof hitRate>>();
    const rps = new Map<string, number>();
    const stats = (u: User, range: string) => call(server.url, u.token, "query", STATS, { range });
    const timed = async (name: string, op: () => ReturnType<typeof call>) => {
      const t0 = performance.now();
      const r = await op();
      const took = performance.now() - t0;
      if (r.ok) latencies.record(name, took);
      else latencies.fail(name, r.error);
    };
    const measured = async (name: string, body: () => Promise<number | undefined>) => {
      const before = await cacheCounts(server.url, metricsToken);
      const t0 = Date.now();
      const count = await body();
      if (count !== undefined) rps.set(name, count / ((Date.now() - t0) / 1000));
      rates.set(name, hitRate(before, await cacheCounts(server.url, metricsToken)));
      const f = latencies.figures(name);
      console.log(
        `${name}: p50 ${ms(f.p50)} p95 ${ms(f.p95)} p99 ${ms(f.p99)} ms, ${f.count} ok, ${f.errors} errors, hit rate ${pct(rates.get(name)?.rate ?? 0)}`,
      );
    };

    // A few requests first: the server's first calls (connections, JIT) are not the cache's cost.
    for (const u of users.slice(0, 5)) for (const r of RANGES) await stats(u, r);

    // Cold: 40 users (2 per organization) × 4 ranges, one request at a time, after one flush.
    const COLD = "cold: first stats per user and range";
    const coldUsers = orgs.flatMap((list) => list.slice(0, COLD_PER_ORG));
    console.log(`flushed ${await flushDashboard(deps)} dashboard keys`);
    await measured(COLD, async () => {
      for (const range of RANGES) for (const u of coldUsers) await timed(COLD, () => stats(u, range));
      return undefined;
    });

    // Cold, every block: the keys flushed before each request (one user per organization × range).
    const COLDEST = "cold, every block computed";
    await measured(COLDEST, async () => {
      for (const range of RANGES)
        for (const list of orgs.slice(0, 2)) {
          await flushDashboard(deps);
          await timed(COLDEST, () => stats(list[2] as User, range));
        }
      return undefined;
    });

    // Warm: 20 closed loops (one user per organization) over the 4 ranges.
    const WARM = `warm: ${CLIENTS} closed-loop clients`;
    const warmUsers = orgs.map((list) => list[0] as User).slice(0, CLIENTS);
    for (const u of warmUsers) for (const r of RANGES) await stats(u, r);
    const loop = {
      url: server.url,
      tokens: warmUsers.map((u) => u.token),
      clients: CLIENTS,
      name: WARM,
      path: STATS,
      inputs: RANGES.map((range) => ({ range })),
    };
    await closedLoop({ ...loop, seconds: 1, into: new Latencies() });
    await measured(WARM, () => closedLoop({ ...loop, seconds: SECONDS, into: latencies }));

    // Mixed: every user, CLIENTS in flight, 1 createPost per WRITE_EVERY reads.
    const MIXED = `mixed: ${orgs.length * MIXED_PER_ORG} users, ${CLIENTS} in flight, 1 write per ${WRITE_EVERY} reads`;
    const WRITE = "mixed: forums.createPost";
    const readers = orgs.flatMap((list) => list.slice(0, MIXED_PER_ORG));
    const sequence = shuffled(readers.flatMap((u) => RANGES.map((range) => ({ u, range }))));
    await inParallel(sequence.length, CLIENTS, async (i) => {
      const { u, range } = sequence[i] as (typeof sequence)[number];
      await stats(u, range);
    });
    let writes = 0;
    await measured(MIXED, async () => {
      const until = Date.now() + 2 * SECONDS * 1000;
      let next = 0;
      let done = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (Date.now() < until) {
            const n = next++;
            const { u, range } = sequence[n % sequence.length] as (typeof sequence)[number];
            if (n % (WRITE_EVERY + 1) === WRITE_EVERY) {
              const topicId = topics[writes++ % topics.length] as string;
              await timed(WRITE, () =>
                call(server.url, u.token, "mutation", "forums.createPost", {
                  topicId,
                  body: `<p>dashboard benchmark reply ${n}</p>`,
                }),
              );
            } else await timed(MIXED, () => stats(u, range));
            done++;
          }
        }),
      );
      return done;
    });

    // The table.
    const row = (name: string, target: string, ok: boolean) => {
      const f = latencies.figures(name);
      const rate = rates.get(name);
      const errors = `${f.errors}${f.firstError ? ` (${f.firstError.replace(/\|/g, "/").slice(0, 100)})` : ""}`;
      const perBlock = rate
        ? `${pct(rate.rate)} (me ${pct(rate.blocks.me.hits / (rate.blocks.me.hits + rate.blocks.me.misses || 1))}, org ${pct(rate.blocks.org.hits / (rate.blocks.org.hits + rate.blocks.org.misses || 1))}, platform ${pct(rate.blocks.platform.hits / (rate.blocks.platform.hits + rate.blocks.platform.misses || 1))})`
        : "";
      const r = rps.get(name);
      return `| ${name} | ${f.count} | ${r ? r.toFixed(0) : ""} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${errors} | ${perBlock} | ${target}: ${met(ok && f.errors === 0)} |`;
    };
    const p95 = (name: string) => latencies.figures(name).p95;
    const mixedRate = rates.get(MIXED)?.rate ?? 0;
    const checks = [
      { what: "warm p95 < 50 ms", ok: p95(WARM) < TARGET.warm && latencies.figures(WARM).errors === 0 },
      { what: "cold p95 < 250 ms", ok: p95(COLD) < TARGET.cold && latencies.figures(COLD).errors === 0 },
      {
        what: "hit rate > 80% (mixed)",
        ok: mixedRate > TARGET.hitRate && latencies.figures(MIXED).errors === 0,
      },
    ];
    const counts = await sql<{ topics: string; posts: string }>`
      select (select count(*) from forum_topics) topics, (select count(*) from forum_search) posts`.execute(db);
    const c = counts.rows[0];
    const text = [
      `\n### dashboard, ${new Date().toISOString().slice(0, 16)}, ${Number(c?.topics).toLocaleString("en")} topics / ${Number(c?.posts).toLocaleString("en")} posts, ${users.length} users in ${orgs.length} organizations`,
      "",
      `\`pnpm bench:dashboard\` (bench/dashboard.ts) at ${commit()} (+ working tree). Server: its own process, NODE_ENV=production, LOG_LEVEL=${serverEnv.LOG_LEVEL as string}, request limits out of reach, DATABASE_POOL_SIZE=${config.postgres.poolSize}; stores: services instance \`${INSTANCE || "(shared)"}\`, databases ${DB_NAME} (bench/search-seed.ts, ${SEED.version}). Cold: the dashboard's Redis keys (\`dash:*\`) flushed once, then the first \`dashboard.stats\` of ${coldUsers.length} users (${COLD_PER_ORG} per organization) × 4 ranges, one request at a time ("me" always computed, the organization and platform blocks by the first of their users per range); "every block computed": flushed before each of ${latencies.figures(COLDEST).count} requests. Warm: ${CLIENTS} closed-loop clients (one user per organization, the 4 ranges) for ${SECONDS} s after 1 s unrecorded. Mixed: ${readers.length} users (${MIXED_PER_ORG} per organization) in a shuffled (user, range) order, ${CLIENTS} requests in flight, one \`forums.createPost\` (a reply to a platform topic, invalidating the writer's "me" and organization blocks and the platform block) per ${WRITE_EVERY} reads (${latencies.figures(WRITE).count} writes), for ${2 * SECONDS} s after one unrecorded pass over every (user, range). Hit rate: \`p2p_dashboard_cache_total\` on /metrics, hits / (hits + misses) of the three blocks between readings before and after the scenario. Latencies per request, client side.`,
      "",
      "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors | cache hit rate (per block) | target |",
      "|---|---|---|---|---|---|---|---|---|",
      row(COLD, "p95 < 250 ms", p95(COLD) < TARGET.cold),
      row(COLDEST, "(p95 < 250 ms)", p95(COLDEST) < TARGET.cold),
      row(WARM, "p95 < 50 ms", p95(WARM) < TARGET.warm),
      row(MIXED, "hit rate > 80%", mixedRate > TARGET.hitRate),
      row(WRITE, "(none)", true),
      "",
      `Issue 15's rows: ${checks.map((k) => `${k.what}: ${met(k.ok)}`).join("; ")}. Load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} (${cpus().length} cores, shared by the server, the stores and the clients).`,
      "",
    ].join("\n");
    appendResults(text);
  } finally {
    await closeDeps(deps);
    await server.stop();
  }
}

await runMain(main);
