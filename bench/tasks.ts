/**
 * `tasks.list` at 1M tasks, 10k of them one user's, under 20 concurrent clients (issue 15's bench
 * row). Target: p95 < 50 ms for every scenario.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; flock /tmp/bench.lock pnpm bench:tasks
 *
 * Runs on its own services instance (SERVICES_INSTANCE=bench-search, shared with bench:search,
 * started when down) and its own PostgreSQL and Mongo databases (bench_tasks), so development
 * data is untouched. Seeds 1,000,000 tasks over 500 users once (bench/tasks-seed.ts; later runs
 * reuse them), starts the production server and measures each scenario for BENCH_SECONDS (5)
 * after a 1 s warm-up (3 s before the first): 20 clients, each a session of the heavy user (10,000 tasks), sending its
 * next request as soon as the previous answered, over HTTP. Prints a table and appends it to
 * bench/RESULTS.md.
 *
 * `pnpm bench:tasks --seed-only` seeds (when needed) and stops: seeding can run outside the lock.
 *
 * Env: BENCH_TASKS_INSTANCE (bench-search; "" = the shared services), BENCH_CLIENTS (20),
 * BENCH_SECONDS (5), BENCH_ONLY (a regular expression over scenario names), BENCH_PORT (4125),
 * BENCH_LOG_LEVEL (info), BENCH_RESEED=1, BENCH_NO_APPEND, BENCH_PROFILE=1 (the server's CPU profile over
 * the measured scenarios, summarized on the console).
 */
import { closeDeps, type createDb, createDeps, loadConfig } from "@p2p/api";
import { sql } from "kysely";
import { VOCABULARY } from "./corpus";
import {
  appendResults,
  benchServerEnv,
  call,
  commit,
  type LoadScenario,
  measureScenarios,
  openSessions,
  profileDirFor,
  runMain,
  scenarioTable,
  startServer,
  WARMUP_NOTE,
} from "./harness";
import { withSeededDb } from "./search-seed";
import { RARE_TASK_TAG, RARE_TASK_WORD, seedTasks, TASK_SEED, TASK_TAGS } from "./tasks-seed";

const INSTANCE = process.env.BENCH_TASKS_INSTANCE ?? "bench-search";
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 4125);
const TARGET_P95 = 50;
const DB_NAME = "bench_tasks";
const PATH = "tasks.list";

type Db = ReturnType<typeof createDb>;

async function run(db: Db): Promise<void> {
  const serverEnv = benchServerEnv("bench-tasks", DB_NAME);
  const profileDir = profileDirFor("tasks");
  const server = await startServer({ port: PORT, env: serverEnv, log: "bench-tasks-server.log", profileDir });
  const config = loadConfig({ ...process.env, ...serverEnv, NODE_ENV: "development" });
  const deps = await createDeps(config);
  try {
    // Every client is the heavy user (a session each, as in 20 tabs).
    const heavy = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", TASK_SEED.heavyEmail)
      .executeTakeFirstOrThrow();
    const tokens = await openSessions(deps, Array(CLIENTS).fill(heavy.id));
    const scenarios = await scenariosFor(server.url, tokens[0] as string);
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : null;
    const chosen = scenarios.filter((s) => !only || only.test(s.name));
    const measured = await measureScenarios({
      url: server.url,
      tokens,
      clients: CLIENTS,
      seconds: SECONDS,
      scenarios: chosen,
      serverPid: server.pid,
      profileDir,
    });

    const counts = await sql<{ all: string; mine: string; open: string }>`
      select count(*) "all", count(*) filter (where owner_id = ${heavy.id}) mine,
        count(*) filter (where owner_id = ${heavy.id} and completed_at is null) open from tasks`.execute(db);
    const c = counts.rows[0];
    const n = (v: string | undefined) => Number(v).toLocaleString("en");
    appendResults(
      [
        `\n### tasks list, ${new Date().toISOString().slice(0, 16)}, ${n(c?.all)} tasks (${n(c?.mine)} the user's, ${n(c?.open)} open), ${CLIENTS} concurrent clients, ${SECONDS} s per scenario (${WARMUP_NOTE})`,
        "",
        `\`pnpm bench:tasks\` (bench/tasks.ts) at ${commit()} (+ working tree): \`${PATH}\`, 20 items a page, over HTTP. Server: its own process, NODE_ENV=production, LOG_LEVEL=${serverEnv.LOG_LEVEL}, every request limit raised out of reach, DATABASE_POOL_SIZE=${config.postgres.poolSize}; stores: services instance \`${INSTANCE || "(shared)"}\`, databases ${DB_NAME}. Data (bench/tasks-seed.ts, ${TASK_SEED.version}): ${n(String(TASK_SEED.tasks))} tasks over ${TASK_SEED.users} users, one holding ${n(String(TASK_SEED.heavyTasks))} (time zone ${TASK_SEED.heavyTimezone}); due ±90 days around now for 75% (none for the rest), ~40% completed, priority low/medium/high 40/40/20%, 0–3 of ${TASK_TAGS.length} tags with Zipf frequencies, titles of 3–6 and descriptions (70%) of 8–20 words with Zipf frequencies. Every client is a session of that user and sends its next request when the previous one answered (closed loop, no think time); latencies are per request, client side.`,
        "",
        ...scenarioTable(chosen, measured, TARGET_P95),
        "",
      ].join("\n"),
    );
  } finally {
    await closeDeps(deps);
    await server.stop();
  }
}

/** The scenarios; later pages through the API's own cursors. */
async function scenariosFor(url: string, token: string): Promise<LoadScenario[]> {
  const list: LoadScenario[] = [];
  const add = (name: string, inputs: Record<string, unknown>[], note?: string) =>
    list.push({ name, path: PATH, inputs: inputs.map((i) => ({ limit: 20, ...i })), note });

  add("default (created desc)", [{}]);
  add("created asc", [{ sort: "created", order: "asc" }]);
  for (const sort of ["due", "priority", "title"] as const)
    for (const order of ["asc", "desc"] as const) add(`${sort} ${order}`, [{ sort, order }]);

  // Pages 2–10 of a sort through the API's own cursors.
  for (const [sort, order] of [
    ["created", "desc"],
    ["due", "asc"],
    ["title", "asc"],
  ] as const) {
    const pages: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    for (let p = 1; p <= 10; p++) {
      const page = await call(url, token, "query", PATH, { sort, order, limit: 20, ...(cursor ? { cursor } : {}) });
      if (!page.ok) throw new Error(`${PATH}: ${page.error}`);
      cursor = (page.data as { nextCursor: string | null }).nextCursor;
      if (!cursor) break;
      pages.push({ sort, order, cursor });
    }
    add(`${sort} ${order}, pages 2–10 (cursor)`, pages);
  }

  add("completed=false", [{ completed: false }]);
  add("completed=true", [{ completed: true }]);
  add("overdue", [{ overdue: true }]);
  add("overdue, due asc", [{ overdue: true, sort: "due", order: "asc" }]);
  add("dueToday", [{ dueToday: true }]);
  add("priority high", [{ priority: "high" }]);
  add("priority low, title asc", [{ priority: "low", sort: "title", order: "asc" }]);
  add(
    "common tag",
    [{ tag: TASK_TAGS[0] }, { tag: TASK_TAGS[1] }, { tag: TASK_TAGS[2] }],
    TASK_TAGS.slice(0, 3).join(", "),
  );
  add("uncommon tag", [{ tag: TASK_TAGS.at(-1) }], `${TASK_TAGS.at(-1)}`);
  add("rare tag", [{ tag: RARE_TASK_TAG }], `${RARE_TASK_TAG}, ~0.2%`);
  add("q common word", [{ q: VOCABULARY[0] }], `"${VOCABULARY[0]}"`);
  add("q mid-frequency word", [{ q: VOCABULARY[59] }], `"${VOCABULARY[59]}"`);
  add("q rare word", [{ q: RARE_TASK_WORD }], `"${RARE_TASK_WORD}"`);
  add("q no match", [{ q: "xylophone" }]);
  const day = 24 * 3600 * 1000;
  const now = Date.now();
  add("dueAfter–dueBefore, next 7 days, due asc", [
    { dueAfter: new Date(now), dueBefore: new Date(now + 7 * day), sort: "due", order: "asc" },
  ]);
  add("dueAfter–dueBefore, past 30 days", [{ dueAfter: new Date(now - 30 * day), dueBefore: new Date(now) }]);
  add("combined: open, high, tag, due asc", [
    { completed: false, priority: "high", tag: TASK_TAGS[0], sort: "due", order: "asc" },
  ]);
  add("combined: open, q, next 30 days", [
    { completed: false, q: VOCABULARY[1], dueAfter: new Date(now), dueBefore: new Date(now + 30 * day) },
  ]);
  add("withTotal", [{ withTotal: true }]);
  add("withTotal, open + tag", [{ withTotal: true, completed: false, tag: TASK_TAGS[0] }]);
  add("withTotal, q common word", [{ withTotal: true, q: VOCABULARY[0] }]);
  return list;
}

await runMain(() =>
  withSeededDb(
    {
      instance: INSTANCE,
      dbName: DB_NAME,
      version: TASK_SEED.version,
      what: `${TASK_SEED.tasks.toLocaleString("en")} tasks`,
      seed: seedTasks,
    },
    run,
  ),
);
