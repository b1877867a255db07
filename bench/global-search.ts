/**
 * `search.global` under 20 concurrent clients (issue 15's bench row "search.global p95 < 100 ms"):
 * people, organizations, forum topics and posts, use cases and tasks in one query.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; flock /tmp/bench.lock pnpm bench:global-search
 *
 * Runs on the use-cases bench's services instance (bench-usecases, started when down) and database
 * (bench_usecases: 100,000 use cases in 50 organizations of 10 users, seeded by
 * bench/use-cases-seed.ts when missing), to which bench/global-search-seed.ts adds once people up
 * to 100,000, 100,000 forum topics (200,000 search documents) and 10,000 tasks of one user. Starts
 * the production server and measures each scenario for BENCH_SECONDS (5) after a 1 s warm-up (3 s before the first): 20
 * clients, each the admin of its own organization (the first owns the 10,000 tasks), sending its
 * next request as soon as the previous answered, over HTTP. Prints a table and appends it to
 * bench/RESULTS.md.
 *
 * `pnpm bench:global-search --seed-only` seeds (when needed) and stops: seeding can run outside the lock.
 *
 * Env: BENCH_CLIENTS (20), BENCH_SECONDS (5), BENCH_ONLY (a regular expression over scenario
 * names), BENCH_PORT (4125), BENCH_LOG_LEVEL (info), BENCH_RESEED=1 (this seed only), BENCH_NO_APPEND,
 * BENCH_PROFILE=1 (the server's CPU profile over the measured scenarios, summarized on the console).
 */
import { closeDeps, createDb, createDeps, loadConfig } from "@p2p/api";
import { sql } from "kysely";
import { casings } from "./corpus";
import {
  COMMON_WORD,
  FAMILY_NAMES,
  FIRST_NAMES,
  GS_SEED,
  isGlobalSeeded,
  RARE_WORD,
  seedGlobalSearch,
  tasksOwnerEmail,
} from "./global-search-seed";
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
  servicesEnv,
  startServer,
  WARMUP_NOTE,
} from "./harness";
import { ensureDatabase, isSeeded } from "./search-seed";
import { ARABIC_WORDS, fillCards, seedUseCases, seedUserEmail, UC_SEED } from "./use-cases-seed";

const INSTANCE = "bench-usecases";
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 4125);
const TARGET_P95 = 100;
/** Clients of the "never cached" row below saturation. */
const FIRST_SEARCH_CLIENTS = 4;
const DB_NAME = "bench_usecases";
const PATH = "search.global";

type Db = ReturnType<typeof createDb>;

/** A scenario; `owner`: every client is the tasks' owner (its own session each). */
type Scenario = LoadScenario & { owner?: boolean };

async function main(): Promise<void> {
  servicesEnv(INSTANCE);
  process.env.DATABASE_URL = await ensureDatabase(process.env.DATABASE_URL as string, DB_NAME);
  process.env.MONGO_DB = DB_NAME;
  const db = createDb({ url: process.env.DATABASE_URL, poolSize: 3 });
  try {
    if (!(await isSeeded(db, UC_SEED.version))) {
      console.log(`seeding ${UC_SEED.useCases} use cases (once; later runs reuse them)`);
      await seedUseCases(db);
    }
    if (process.env.BENCH_RESEED || !(await isGlobalSeeded(db))) {
      console.log("seeding people, forum topics and tasks for global search (once; later runs reuse them)");
      await seedGlobalSearch(db);
    } else console.log(`reusing the seeded global search data (${GS_SEED.version}) in ${DB_NAME}`);
    if (!process.argv.includes("--seed-only")) await run(db);
  } finally {
    await db.destroy();
  }
}

async function run(db: Db): Promise<void> {
  const serverEnv = benchServerEnv("bench-global-search", DB_NAME);
  const profileDir = profileDirFor("global-search");
  const server = await startServer({ port: PORT, env: serverEnv, log: "bench-global-search-server.log", profileDir });
  // A database seeded before the cards' columns (the server migrated it as it started).
  await fillCards(db);
  const config = loadConfig({ ...process.env, ...serverEnv, NODE_ENV: "development" });
  const deps = await createDeps(config);
  try {
    // One client per organization: its admin, signed in; the first is the tasks' owner.
    const emails = Array.from({ length: CLIENTS }, (_, k) => seedUserEmail(k % UC_SEED.orgs, 0));
    const admins = await db.selectFrom("users").select(["id", "email"]).where("email", "in", emails).execute();
    const ids = emails.map((e) => admins.find((a) => a.email === e)?.id as string);
    const owner = ids[0] as string;
    if (!owner || admins.find((a) => a.id === owner)?.email !== tasksOwnerEmail) throw new Error("no tasks owner");
    const tokens = await openSessions(deps, ids);
    const ownerTokens = await openSessions(
      deps,
      ids.map(() => owner),
    );
    const scenarios = await scenariosFor(server.url, tokens[0] as string);
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : null;
    const chosen = scenarios.filter((s) => !only || only.test(s.name));

    const figures = await measureScenarios({
      url: server.url,
      tokens,
      clients: CLIENTS,
      seconds: SECONDS,
      scenarios: chosen.map((s) => ({ ...s, path: PATH, ...(s.owner ? { tokens: ownerTokens } : {}) })),
      serverPid: server.pid,
      profileDir,
    });

    const counts = await sql<{ users: number; orgs: number; topics: number; docs: number; ucs: number; tasks: number }>`
      select (select count(*) from users)::int users, (select count(*) from organizations)::int orgs,
        (select count(*) from forum_topics)::int topics, (select count(*) from forum_search)::int docs,
        (select count(*) from use_cases)::int ucs, (select count(*) from tasks)::int tasks`.execute(db);
    const c = counts.rows[0];
    const n = (v: number | undefined) => (v ?? 0).toLocaleString("en");
    const text = [
      `\n### global search, ${new Date().toISOString().slice(0, 16)}, ${n(c?.users)} people, ${n(c?.orgs)} organizations, ${n(c?.topics)} forum topics (${n(c?.docs)} search documents), ${n(c?.ucs)} use cases, ${n(c?.tasks)} tasks; ${CLIENTS} concurrent clients, ${SECONDS} s per scenario (${WARMUP_NOTE})`,
      "",
      `\`pnpm bench:global-search\` (bench/global-search.ts) at ${commit()} (+ working tree): \`search.global\` (20 results a page, every type unless filtered), over HTTP. Server: its own process, NODE_ENV=production, LOG_LEVEL=${serverEnv.LOG_LEVEL}, every request limit raised out of reach, DATABASE_POOL_SIZE=${config.postgres.poolSize}; stores: services instance \`${INSTANCE}\`, databases ${DB_NAME}. Data: bench/use-cases-seed.ts (${UC_SEED.version}) plus bench/global-search-seed.ts (${GS_SEED.version}): people named from ${FIRST_NAMES.length} first and ${FAMILY_NAMES.length} family names (about ${Math.round(GS_SEED.people / (FIRST_NAMES.length * FAMILY_NAMES.length))} people a full name), a twelfth "${COMMON_WORD[0]?.toUpperCase()}${COMMON_WORD.slice(1)} engineer"; forum topics a fifth in Arabic and a fifth visible to their organization only, each with its opening post and one reply as search documents, "${COMMON_WORD}" in an eighth of the English titles, "${RARE_WORD}" in 0.1% of opening posts; ${n(c?.tasks)} tasks all of the first client's user. Each client is the admin of its own organization (the first owns the tasks) and sends its next request when the previous one answered (closed loop, no think time); latencies are per request, client side.`,
      "",
      ...scenarioTable(chosen, figures, TARGET_P95),
      "",
    ].join("\n");
    appendResults(text);
  } finally {
    await closeDeps(deps);
    await server.stop();
  }
}

type Page = { items: unknown[]; counts: { type: string; count: number; more: boolean }[]; nextCursor: string | null };

/** The scenarios; notes say how much each finds (the first page's counts per type, as the first client sees them). */
async function scenariosFor(url: string, token: string): Promise<Scenario[]> {
  const first = async (input: Record<string, unknown>) => {
    const r = await call(url, token, "query", PATH, input);
    if (!r.ok) throw new Error(`${PATH}: ${r.error}`);
    return r.data as Page;
  };
  const found = async (input: Record<string, unknown>) =>
    (await first(input)).counts
      .filter((c) => c.count > 0)
      .map((c) => `${c.type} ${c.count}${c.more ? "+" : ""}`)
      .join(", ") || "nothing";
  const names = Array.from(
    { length: 10 },
    (_, i) =>
      `${FIRST_NAMES[(i * 7) % FIRST_NAMES.length]} ${FAMILY_NAMES[(i * 11) % FAMILY_NAMES.length]}`.toLowerCase() as string,
  );
  const common = { q: COMMON_WORD };
  const page1 = await first(common);
  if (!page1.nextCursor) throw new Error(`"${COMMON_WORD}" has no second page`);
  const list: Omit<Scenario, "path">[] = [
    { name: `common word "${COMMON_WORD}"`, inputs: [common], note: await found(common) },
    {
      name: `common word, never cached (each search a new casing of "${COMMON_WORD}")`,
      inputs: casings(COMMON_WORD).map((q) => ({ q })),
      note: `${casings(COMMON_WORD).length.toLocaleString("en")} casings: the server caches candidates by the exact text`,
    },
    {
      // The same misses below saturation: what one first search waits while others run.
      name: `common word, never cached, ${FIRST_SEARCH_CLIENTS} clients`,
      inputs: casings(COMMON_WORD)
        .reverse()
        .map((q) => ({ q })),
      clients: FIRST_SEARCH_CLIENTS,
      note: "as above, fewer clients at once (the casings in reverse order, so none was searched before)",
    },
    { name: `rare word "${RARE_WORD}"`, inputs: [{ q: RARE_WORD }], note: await found({ q: RARE_WORD }) },
    {
      name: "Arabic word",
      inputs: [{ q: ARABIC_WORDS.common }],
      note: `"${ARABIC_WORDS.common}": ${await found({ q: ARABIC_WORDS.common })}`,
    },
    {
      name: "a person's name (10 full names)",
      inputs: names.map((q) => ({ q })),
      note: `e.g. "${names[0]}": ${await found({ q: names[0] })}`,
    },
    {
      name: `"${COMMON_WORD}", topics only`,
      inputs: [{ ...common, types: ["topics"] }],
      note: await found({ ...common, types: ["topics"] }),
    },
    { name: `"${COMMON_WORD}", second page (cursor)`, inputs: [{ ...common, cursor: page1.nextCursor }] },
    {
      name: `"${COMMON_WORD}", tasks only, owner of ${GS_SEED.tasks.toLocaleString("en")} tasks`,
      inputs: [{ ...common, types: ["tasks"] }],
      owner: true,
    },
  ];
  return list.map((s) => ({ ...s, path: PATH }));
}

await runMain(main);
