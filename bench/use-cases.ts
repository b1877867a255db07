import { closeDeps, type createDb, createDeps, loadConfig } from "@p2p/api";
import { sql } from "kysely";
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
import {
  ARABIC_WORDS,
  CITIES,
  fillCards,
  INDUSTRIES,
  RARE_TECHNOLOGY,
  seedUseCases,
  seedUserEmail,
  TAGS,
  TECHNOLOGIES,
  UC_SEED,
} from "./use-cases-seed";

const INSTANCE = process.env.BENCH_USE_CASES_INSTANCE ?? "bench-usecases";
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 4123);
const TARGET_P95 = 100;
const DB_NAME = "bench_usecases";
const PATH = "useCases.list";

type Db = ReturnType<typeof createDb>;

/** A scenario of `useCases.list` (its inputs, cycled through by the clients). */
type Scenario = LoadScenario & { inputs: Record<string, unknown>[] };

const main = () =>
  withSeededDb(
    {
      instance: INSTANCE,
      dbName: DB_NAME,
      version: UC_SEED.version,
      what: `${UC_SEED.useCases} use cases`,
      seed: seedUseCases,
    },
    run,
  );

async function run(db: Db): Promise<void> {
  const serverEnv = benchServerEnv("bench-usecases", DB_NAME);
  const profileDir = profileDirFor("use-cases");
  const server = await startServer({ port: PORT, env: serverEnv, log: "bench-usecases-server.log", profileDir });
  // A database seeded before the cards' columns (the server migrated it as it started).
  await fillCards(db);
  const config = loadConfig({ ...process.env, ...serverEnv, NODE_ENV: "development" });
  const deps = await createDeps(config);
  try {
    // One client per organization: its admin, signed in.
    const admins = await db
      .selectFrom("users")
      .select("id")
      .where(
        "email",
        "in",
        Array.from({ length: CLIENTS }, (_, k) => seedUserEmail(k % UC_SEED.orgs, 0)),
      )
      .execute();
    const tokens = await openSessions(
      deps,
      admins.map((u) => u.id),
    );
    const scenarios = await scenariosFor(db, server.url, tokens[0] as string);
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : null;
    const chosen = scenarios.filter((s) => !only || only.test(s.name));

    const figures = await measureScenarios({
      url: server.url,
      tokens,
      clients: CLIENTS,
      seconds: SECONDS,
      scenarios: chosen,
      serverPid: server.pid,
      profileDir,
    });
    const counts = await sql<{ all: string; published: string; drafts: string }>`
      select count(*) "all", count(*) filter (where status = 'published' and deleted_at is null) published,
        count(*) filter (where status = 'draft' and deleted_at is null) drafts from use_cases`.execute(db);
    const c = counts.rows[0];
    const n = (v: string | undefined) => Number(v).toLocaleString("en");
    const text = [
      `\n### use cases list, ${new Date().toISOString().slice(0, 16)}, ${n(c?.all)} use cases (${n(c?.published)} published, ${n(c?.drafts)} drafts), ${CLIENTS} concurrent clients, ${SECONDS} s per scenario (${WARMUP_NOTE})`,
      "",
      `\`pnpm bench:use-cases\` (bench/use-cases.ts) at ${commit()} (+ working tree): \`useCases.list\`, 20 items a page, over HTTP. Server: its own process, NODE_ENV=production, LOG_LEVEL=${serverEnv.LOG_LEVEL}, every request limit raised out of reach, DATABASE_POOL_SIZE=${config.postgres.poolSize}; stores: services instance \`${INSTANCE || "(shared)"}\`, databases ${DB_NAME}. Data (bench/use-cases-seed.ts, ${UC_SEED.version}): ${UC_SEED.orgs} organizations of ${UC_SEED.usersPerOrg} users; 90% published, 9% drafts, 1% archived, 0.5% deleted; ${INDUSTRIES.length} industries, ${TECHNOLOGIES.length} technologies (1–5 each) and ${TAGS.length} tags (1–4 each) with Zipf frequencies; ${CITIES.length} Gulf cities weighted by rank, points scattered ~10 km around them (5% without a place); heavy-tailed view counts; a fifth in Arabic. Each client is the admin of its own organization and sends its next request when the previous one answered (closed loop, no think time); latencies are per request, client side.`,
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

/** The scenarios, with values read from the seeded data (and, for later pages, the API's own cursors). */
async function scenariosFor(db: Db, url: string, token: string): Promise<Scenario[]> {
  const live = sql`status = 'published' and deleted_at is null`;
  const share = async (where: ReturnType<typeof sql>) => {
    const r = await sql<{ n: number; all: number }>`
      select count(*) filter (where ${where})::int n, count(*)::int "all" from use_cases where ${live}`.execute(db);
    const { n = 0, all = 1 } = r.rows[0] ?? {};
    return `${((n / all) * 100).toFixed(n / all < 0.01 ? 2 : 0)}% of published`;
  };
  const techShare = (t: string) => share(sql`technology_keys && ${[t.toLowerCase()]}::text[]`);
  const textShare = (q: string) =>
    share(sql`(document @@ websearch_to_tsquery('english', ${q}) or document @@ websearch_to_tsquery('arabic', ${q}))`);

  /** The first page's input and those of pages 2–10, by the API's cursors. */
  const pages = async (input: Record<string, unknown>) => {
    const later: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    for (let p = 1; p <= 10; p++) {
      const page = await call(url, token, "query", PATH, { ...input, ...(cursor ? { cursor } : {}) });
      if (!page.ok) throw new Error(`${PATH}: ${page.error}`);
      cursor = (page.data as { nextCursor: string | null }).nextCursor;
      if (!cursor) break;
      later.push({ ...input, cursor });
    }
    return later;
  };
  const page = { limit: 20 };
  const [riyadh, , , , jubail] = CITIES;
  const near = (c: (typeof CITIES)[number] | undefined, radiusKm: number) => ({
    lat: c?.[2],
    lng: c?.[3],
    radiusKm,
  });
  const smallCity = CITIES[CITIES.length - 3] as (typeof CITIES)[number];
  const [common, mid] = [TECHNOLOGIES[0] as string, TECHNOLOGIES[20] as string];
  const english = ["maintenance", "compressor", "cavitation"];

  const list: Omit<Scenario, "path">[] = [
    { name: "newest, first page", inputs: [{ ...page }] },
    { name: "newest, pages 2–10 (cursor)", inputs: await pages({ ...page }) },
    { name: "mostViewed, first page", inputs: [{ ...page, sort: "mostViewed" }] },
    { name: "mostViewed, pages 2–10 (cursor)", inputs: await pages({ ...page, sort: "mostViewed" }) },
    { name: "industry (each of 12)", inputs: INDUSTRIES.map((industry) => ({ ...page, industry })) },
    {
      name: "technology, common",
      inputs: [{ ...page, technologies: [common] }],
      note: `"${common}", ${await techShare(common)}`,
    },
    {
      name: "technology, mid-frequency",
      inputs: [{ ...page, technology: mid }],
      note: `"${mid}", ${await techShare(mid)}`,
    },
    {
      name: "technology, rare",
      inputs: [{ ...page, technologies: [RARE_TECHNOLOGY] }],
      note: `"${RARE_TECHNOLOGY}", ${await techShare(RARE_TECHNOLOGY)}`,
    },
    {
      name: "technology, rare, mostViewed",
      inputs: [{ ...page, technologies: [RARE_TECHNOLOGY], sort: "mostViewed" }],
    },
    { name: "tag (each of the 10 commonest)", inputs: TAGS.slice(0, 10).map((tag) => ({ ...page, tags: [tag] })) },
    {
      name: "two tags (all of them)",
      inputs: [{ ...page, tags: [TAGS[0], TAGS[7]] }],
      note: `${await share(sql`tags @> ${[TAGS[0], TAGS[7]]}::text[]`)}`,
    },
    { name: "tag, last of 50", inputs: [{ ...page, tags: [TAGS.at(-1)] }] },
    { name: "city (each of 30)", inputs: CITIES.map(([city]) => ({ ...page, city })) },
    { name: "city, mostViewed", inputs: CITIES.slice(0, 5).map(([city]) => ({ ...page, city, sort: "mostViewed" })) },
  ];
  for (const q of english) list.push({ name: `text "${q}"`, inputs: [{ ...page, q }], note: await textShare(q) });
  for (const [label, q] of Object.entries(ARABIC_WORDS))
    list.push({ name: `text Arabic, ${label}`, inputs: [{ ...page, q }], note: `"${q}", ${await textShare(q)}` });
  list.push(
    {
      name: "near Riyadh 50 km, nearest",
      inputs: [{ ...page, ...near(riyadh, 50), sort: "nearest" }],
      note: await share(
        sql`lat is not null and earth_distance(ll_to_earth(${riyadh?.[2]}, ${riyadh?.[3]}), ll_to_earth(lat, lng)) <= 50000`,
      ),
    },
    {
      name: "near Riyadh 50 km, nearest, pages 2–10",
      inputs: await pages({ ...page, ...near(riyadh, 50), sort: "nearest" }),
    },
    { name: `near ${jubail?.[0]} 30 km, nearest`, inputs: [{ ...page, ...near(jubail, 30), sort: "nearest" }] },
    { name: "near Riyadh 50 km, newest", inputs: [{ ...page, ...near(riyadh, 50) }] },
    { name: `near ${smallCity[0]} 20 km, newest`, inputs: [{ ...page, ...near(smallCity, 20) }] },
    { name: "near any city 25 km, newest (each of 30)", inputs: CITIES.map((c) => ({ ...page, ...near(c, 25) })) },
    {
      name: "industry + technology + city",
      inputs: CITIES.slice(0, 10).flatMap(([city]) =>
        INDUSTRIES.slice(0, 3).map((industry) => ({ ...page, industry, technologies: [common], city })),
      ),
    },
    {
      name: "industry + technology + near, nearest",
      inputs: CITIES.slice(0, 10).map((c) => ({
        ...page,
        industry: INDUSTRIES[0],
        technologies: [mid],
        ...near(c, 50),
        sort: "nearest",
      })),
    },
    {
      name: 'text "maintenance" + industry + city',
      inputs: CITIES.slice(0, 10).map(([city]) => ({ ...page, q: "maintenance", industry: INDUSTRIES[0], city })),
    },
    { name: "own organization's drafts (org admin)", inputs: [{ ...page, status: "draft" }] },
    { name: "own organization's drafts, pages 2–5", inputs: (await pages({ ...page, status: "draft" })).slice(0, 4) },
  );
  return list.map((s) => ({ ...s, path: PATH }));
}

await runMain(main);
