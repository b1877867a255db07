/**
 * HTTP throughput of the project's hot routes against two ceilings, side by side in one run
 * (issue 11). Starts, each in its own process: the server in production mode, a bare node:http
 * JSON server (bench/ceilings/bare-http.ts; also with the API's response headers, a reference) and a
 * minimal tRPC app (bench/ceilings/minimal-trpc.ts), and a bare Hono route sending the API's response
 * headers (bench/ceilings/hono-headers.ts). The bare handler is also served inside the server's
 * own process (bench/ceilings/in-server-floor.ts, preloaded): Node's floor under `GET /health` there;
 * seeds a signed-in user and 20 topics through the API; load-tests every route with autocannon
 * (warm-up first), prints a table and appends it to bench/RESULTS.md.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; set -a; eval "$(bash scripts/services.sh env)"; set +a; pnpm bench:http
 *
 *   --profile    also V8-profile the server's process during the first load window of each route
 *                it answers (its in-process floor too: bench/cpu-profile-hook.ts) and append the
 *                top self-time frames and each owner's µs a request per route
 *
 * Env:
 *   BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (50)
 *   BENCH_ROUNDS (3): each route is measured that many times, the rounds interleaved, and each
 *     figure's median is kept (the machine is shared: one slow moment should not decide a ratio)
 *   BENCH_PORT (4101: six ports from there), BENCH_LOG_LEVEL (info, the production default)
 *   BENCH_COMPARE_DIR: another checkout (e.g. a git worktree of the code before a change); its
 *     server is started too and each project route is measured on both, one right after the
 *     other (labels BENCH_LABEL, BENCH_COMPARE_LABEL)
 *   BENCH_SERVER_DIR: serve another checkout instead of this one (e.g. to profile it)
 *   BENCH_ONLY: a regular expression; only the project routes it matches, with both ceilings
 *   BENCH_SERVER_ENV: extra server environment for experiments ("LOG_LEVEL=warn …")
 *   BENCH_NO_APPEND: print only, leave RESULTS.md alone
 *   BENCH_PIN_SERVERS: a CPU list (taskset -c); every server and ceiling runs on it. Run the bench
 *     itself (the load generator) on the other: `BENCH_PIN_SERVERS=0 taskset -c 1 pnpm -s http`,
 *     so the two do not take turns on one core (noted in the run's header)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "@p2p/api";
import { createClient } from "@p2p/client";
import autocannon from "autocannon";
import { serverNodeArgs } from "./harness";
import { summarize, summaryMarkdown } from "./profile-summary";
import { signUpBenchAdmin } from "./sign-up";

const root = new URL("..", import.meta.url).pathname;
const benchDir = new URL(".", import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BASE_PORT = Number(process.env.BENCH_PORT ?? 4101);
const PROFILE = process.argv.includes("--profile");
const profileDir = join(root, ".local", "bench-profiles", new Date().toISOString().replace(/[:.]/g, "-"));

/** BENCH_COMPARE_DIR: another checkout (e.g. a worktree of the code before a change) served side by side. */
const COMPARE_DIR = process.env.BENCH_COMPARE_DIR;
const LABEL = process.env.BENCH_LABEL ?? "this checkout";
const COMPARE_LABEL = process.env.BENCH_COMPARE_LABEL ?? "compared";
const ports = {
  bare: BASE_PORT,
  minimal: BASE_PORT + 1,
  server: BASE_PORT + 2,
  compare: BASE_PORT + 3,
  honoHeaders: BASE_PORT + 4,
  inServer: BASE_PORT + 5,
};
const urls = {
  bare: `http://127.0.0.1:${ports.bare}`,
  minimal: `http://127.0.0.1:${ports.minimal}`,
  honoHeaders: `http://127.0.0.1:${ports.honoHeaders}`,
  inServer: `http://127.0.0.1:${ports.inServer}`,
  server: `http://127.0.0.1:${ports.server}`,
  compare: `http://127.0.0.1:${ports.compare}`,
};

/**
 * The production server's environment. Limits a single benchmark client would trip are raised;
 * everything else stays at its production default. Printed before the run.
 */
const serverEnv: Record<string, string> = {
  NODE_ENV: "production",
  HOST: "127.0.0.1",
  PORT: String(ports.server),
  PUBLIC_URL: urls.server,
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
  TOTP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  REDIS_PREFIX: "bench-http:",
  MONGO_DB: "bench_http",
  STORAGE_DRIVER: "local",
  STORAGE_DIR: join(root, ".local", "bench-files"),
  // Sign-up only (not on a measured route): keeps seeding quick.
  PASSWORD_HASH_MEMORY_KIB: "1024",
  // Rate limits: one client at 50 connections must not be limited.
  SIGNIN_MAX_FAILURES_PER_IP: "1000000",
  SIGNIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
  SIGNIN_MAX_FAILURES_PER_ACCOUNT_IP: "1000000",
  MAIL_PER_SENDER_PER_HOUR: "1000000",
  WS_CALLS_PER_SECOND: "1000000",
  // The general request limit stays on (its Redis round trip is part of the hot path), out of reach.
  RATE_LIMIT_PER_IP_PER_SECOND: "1000000000",
  RATE_LIMIT_PER_IP_PER_MINUTE: "1000000000",
  RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000000000",
  RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: "1000000000",
};

for (const pair of (process.env.BENCH_SERVER_ENV ?? "").split(/\s+/).filter(Boolean)) {
  const [name, ...value] = pair.split("=");
  if (name) serverEnv[name] = value.join("=");
}

const children: ChildProcess[] = [];

/** The CPUs this process (the load generator) may run on. */
const ownCpus = () => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "?";

function start(name: string, args: string[], cwd: string, env: Record<string, string>, log: string): ChildProcess {
  const out = openSync(join(root, ".local", log), "w");
  const pin = process.env.BENCH_PIN_SERVERS;
  const child = spawn(pin ? "taskset" : process.execPath, pin ? ["-c", pin, process.execPath, ...args] : args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", out, out],
    detached: true,
  });
  child.on("exit", (code, signal) => {
    if (!stopping) console.error(`${name} exited early (${code ?? signal}); see .local/${log}`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || !child.pid) return resolve();
          child.once("exit", () => resolve());
          process.kill(-child.pid, "SIGTERM");
          setTimeout(() => {
            if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
          }, 15_000).unref();
        }),
    ),
  );
}

async function waitFor(url: string, what: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready at ${url}`);
}

/** A signed-in user (bearer token) of a new organization, and 20 topics of theirs. */
async function seed(): Promise<string> {
  const url = urls.server;
  const token = await signUpBenchAdmin(url, "Bench HTTP Org");
  const client = createClient({ url, token });
  const [category] = await client.forums.listCategories.query();
  if (!category) throw new Error("no forum category to post in");
  for (let i = 1; i <= 20; i++) {
    await client.forums.createTopic.mutate({
      title: `Benchmark topic ${i}: pump seal wear`,
      categoryId: category.id,
      body: `Topic ${i}. Our centrifugal pumps wear their mechanical seals within weeks; what helped you?`,
      tags: ["pumps", "seals"],
      visibility: "organization",
    });
  }
  const page = await client.forums.listTopics.query({ limit: 20, sort: "latest" });
  if (page.items.length !== 20) throw new Error(`listTopics answered ${page.items.length} topics, not 20`);
  return token;
}

const pidOf = { bare: 0, minimal: 0, honoHeaders: 0, server: 0, compare: 0 };

interface Route {
  name: string;
  url: string;
  /** The process answering it. */
  process: keyof typeof pidOf;
  headers?: Record<string, string>;
  /** The ceiling this route is compared to, and the share of it to reach. */
  ceiling?: "bare" | "minimal";
  target?: number;
  /** A project route: profiled with --profile. */
  project?: boolean;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time (user + system, all threads) of the serving process per answered request, in µs. */
  cpuUs: number;
  /** The same for this run's PostgreSQL (postmaster and backends) and Redis together. */
  storesUs: number;
  /** Requests answered in the window. */
  requests: number;
}

const CLK_TCK = 100;
/** Clock ticks of CPU a process used so far (utime + stime), from /proc. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
/** The process listening on a store URL's port (this run's PostgreSQL or Redis, not other instances). */
function listenerPid(url: string | undefined): number | null {
  if (!url) return null;
  const port = new URL(url).port;
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
    const pid = out.match(/pid=(\d+)/)?.[1];
    return pid ? Number(pid) : null;
  } catch {
    return null;
  }
}
const parentOf = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return -1;
  }
};
/** PostgreSQL's postmaster and its backends, and Redis: CPU of this run's stores. */
const storeRoots = [listenerPid(process.env.DATABASE_URL), listenerPid(process.env.REDIS_URL)].filter(
  (pid): pid is number => pid !== null,
);
function storeTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (storeRoots.includes(pid) || storeRoots.includes(parentOf(pid))) ticks.set(pid, cpuTicks(pid));
  }
  return ticks;
}

/** CPU the stores used between two snapshots: processes present in both (a backend that ended took its count with it). */
function storeTicksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) {
    const was = before.get(pid);
    if (was !== undefined && t >= was) ticks += t - was;
  }
  return ticks;
}

/**
 * Load-tests one route. Throughput is what the targets compare, but on a shared 2-core machine it
 * also measures whatever else runs; CPU per request of the serving process is the steadier cost.
 */
async function load(route: Route, seconds: number): Promise<Measured> {
  const pid = pidOf[route.process];
  const cpuBefore = cpuTicks(pid);
  const storesBefore = storeTicks();
  const result = await autocannon({
    url: route.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: route.headers ?? {},
  });
  const cpu = cpuTicks(pid) - cpuBefore;
  const stores = storeTicksBetween(storesBefore, storeTicks());
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`${route.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  const answered = Math.max(1, result.requests.total);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs: Math.round(((cpu / CLK_TCK) * 1e6) / answered),
    storesUs: Math.round(((stores / CLK_TCK) * 1e6) / answered),
    requests: result.requests.total,
  };
}

const trpcGet = (path: string, input?: unknown) =>
  `/trpc/${path}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`;

/** Each figure's median over the rounds (lower median for an even count). */
function median(values: Measured[]): Measured {
  const mid = (key: keyof Measured) =>
    ([...values].sort((a, b) => a[key] - b[key])[Math.floor((values.length - 1) / 2)] as Measured)[key];
  return {
    rps: mid("rps"),
    p50: mid("p50"),
    p99: mid("p99"),
    cpuUs: mid("cpuUs"),
    storesUs: mid("storesUs"),
    requests: mid("requests"),
  };
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(path)) throw new Error(`no profile written at ${path}`);
}

async function main(): Promise<void> {
  mkdirSync(join(root, ".local"), { recursive: true });
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const config = loadConfig({ ...process.env, ...serverEnv });
  const shown = { ...serverEnv, TOTP_ENCRYPTION_KEY: "(random 32 bytes)" };
  console.log("server environment:", shown);
  console.log("server config (as loadConfig reads it):", {
    postgresPoolSize: config.postgres.poolSize,
    corsOrigins: config.corsOrigins,
    limits: config.limits,
    signInFailures: config.auth.signInFailures,
    logLevel: config.logLevel,
  });

  // Node's own HTTP path inside the server's process, next to the bare server's (ceilings/in-server-floor.ts).
  const serverArgs = [...serverNodeArgs, "--import", join(benchDir, "ceilings", "in-server-floor.ts")];
  if (PROFILE) serverArgs.push("--import", join(benchDir, "cpu-profile-hook.ts"));
  serverArgs.push("src/main.ts");
  const server = start(
    "server",
    serverArgs,
    join(process.env.BENCH_SERVER_DIR ?? root, "apps", "server"),
    { ...serverEnv, BENCH_PROFILE_DIR: profileDir, BENCH_FLOOR_PORT: String(ports.inServer) },
    "bench-http-server.log",
  );
  /** A ceiling or reference server, bench/ceilings/<name>.ts, in its own process. */
  const ceiling = (name: string, port: number, env: Record<string, string> = {}) =>
    start(
      name,
      [...serverNodeArgs, `ceilings/${name}.ts`],
      benchDir,
      { PORT: String(port), ...env },
      `bench-http-${name}.log`,
    );
  const bare = ceiling("bare-http", ports.bare);
  const minimal = ceiling("minimal-trpc", ports.minimal, { NODE_ENV: "production" });
  const honoHeaders = ceiling("hono-headers", ports.honoHeaders, { NODE_ENV: "production" });
  const compare =
    COMPARE_DIR &&
    start(
      "compare",
      [...serverNodeArgs, "src/main.ts"],
      join(COMPARE_DIR, "apps", "server"),
      { ...serverEnv, PORT: String(ports.compare), PUBLIC_URL: urls.compare },
      "bench-http-compare.log",
    );
  Object.assign(pidOf, {
    bare: bare.pid ?? 0,
    minimal: minimal.pid ?? 0,
    honoHeaders: honoHeaders.pid ?? 0,
    server: server.pid ?? 0,
    compare: (compare || undefined)?.pid ?? 0,
  });
  await Promise.all([
    waitFor(`${urls.bare}/`, "bare-http"),
    waitFor(`${urls.minimal}/trpc/info`, "minimal-trpc"),
    waitFor(`${urls.honoHeaders}/`, "hono-headers"),
    waitFor(`${urls.server}/health/ready`, "server"),
    waitFor(`${urls.inServer}/`, "the server's in-process floor"),
    ...(compare ? [waitFor(`${urls.compare}/health/ready`, "compare")] : []),
  ]);
  const token = await seed();
  const bearer = { authorization: `Bearer ${token}` };

  const routes: Route[] = [
    { name: "bare node:http JSON (ceiling)", process: "bare", url: `${urls.bare}/` },
    { name: "bare Hono JSON route (reference)", process: "minimal", url: `${urls.minimal}/json`, ceiling: "bare" },
    {
      name: "bare node:http JSON with the API's response headers (reference)",
      process: "bare",
      url: `${urls.bare}/headers`,
      ceiling: "bare",
    },
    {
      name: "bare Hono JSON route with the API's response headers (reference: the dependencies' floor)",
      process: "honoHeaders",
      url: `${urls.honoHeaders}/`,
      ceiling: "bare",
    },
    {
      name: "bare node:http JSON, inside the server's process (reference)",
      process: "server",
      url: `${urls.inServer}/`,
      ceiling: "bare",
    },
    {
      name: "bare node:http JSON with the API's response headers, inside the server's process (reference: Node's floor there)",
      process: "server",
      url: `${urls.inServer}/headers`,
      ceiling: "bare",
    },
    {
      name: "GET /health (full middleware stack)",
      process: "server",
      url: "/health",
      ceiling: "bare",
      target: 0.6,
      project: true,
    },
    { name: "minimal tRPC query (ceiling)", process: "minimal", url: `${urls.minimal}/trpc/info` },
    {
      name: "system.info (public tRPC)",
      process: "server",
      url: trpcGet("system.info"),
      ceiling: "minimal",
      project: true,
    },
    {
      name: "auth.me (bearer)",
      process: "server",
      url: trpcGet("auth.me"),
      headers: bearer,
      ceiling: "minimal",
      target: 0.6,
      project: true,
    },
    {
      name: "forums.listTopics(20)",
      process: "server",
      url: trpcGet("forums.listTopics", { limit: 20, sort: "latest" }),
      headers: bearer,
      ceiling: "minimal",
      target: 0.3,
      project: true,
    },
  ];

  // Project routes are paths on the server; with BENCH_COMPARE_DIR each is measured on the other
  // checkout too, right after.
  for (const r of [...routes]) {
    if (!r.project) continue;
    const path = r.url;
    r.url = `${urls.server}${path}`;
    if (COMPARE_DIR) {
      routes.splice(routes.indexOf(r) + 1, 0, {
        ...r,
        name: `${r.name} [${COMPARE_LABEL}]`,
        process: "compare",
        url: `${urls.compare}${path}`,
        project: false,
      });
      r.name = `${r.name} [${LABEL}]`;
    }
  }

  // BENCH_ONLY (a regular expression): measure only the matching project routes, with both ceilings.
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : null;
  if (only) {
    const kept = routes.filter((r) => (!r.project && r.process !== "compare") || only.test(r.name));
    routes.splice(0, routes.length, ...kept);
  }
  const runs = new Map<Route, Measured[]>(routes.map((r) => [r, []]));
  const profiles: { route: Route; file: string; requests: number }[] = [];
  let profiled = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const route of routes) {
      if (round === 1) await load(route, WARMUP);
      // Every route the server's process answers, its in-process floor too: the difference is ours.
      const profiling = PROFILE && round === 1 && route.process === "server" && server.pid;
      if (profiling) process.kill(server.pid as number, "SIGUSR2");
      const m = await load(route, SECONDS);
      if (profiling) {
        process.kill(server.pid as number, "SIGUSR2");
        const file = join(profileDir, `${++profiled}.cpuprofile`);
        await waitForFile(file);
        profiles.push({ route, file, requests: m.requests });
      }
      runs.get(route)?.push(m);
      console.log(
        `round ${round}: ${route.name}: ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.cpuUs} µs CPU/req (stores ${m.storesUs})`,
      );
    }
  }

  const result = new Map(routes.map((r) => [r, median(runs.get(r) ?? [])]));
  const ceilingRoute = (name: string) => result.get(routes.find((r) => r.name.startsWith(name)) as Route) as Measured;
  const ceilingOf = { bare: ceilingRoute("bare node:http JSON (ceiling)"), minimal: ceilingRoute("minimal tRPC") };
  const rows = routes.map((r) => {
    const m = result.get(r) as Measured;
    const ceiling = r.ceiling && ceilingOf[r.ceiling];
    const ratio = ceiling ? m.rps / ceiling.rps : undefined;
    const cpuRatio = ceiling ? ceiling.cpuUs / Math.max(1, m.cpuUs) : undefined;
    const vs = r.ceiling === "bare" ? "× bare http" : r.ceiling === "minimal" ? "× min tRPC" : "";
    const met = r.target === undefined ? "" : (ratio ?? 0) >= r.target ? "yes" : "**no**";
    const cells = [
      r.name,
      m.rps,
      m.p50,
      m.p99,
      ratio === undefined ? "" : `${ratio.toFixed(2)} ${vs}`,
      r.target === undefined ? "" : `≥ ${r.target}`,
      met,
      m.cpuUs,
      cpuRatio === undefined ? "" : cpuRatio.toFixed(2),
      r.process === "server" || r.process === "compare" ? m.storesUs : "",
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const commit = await new Promise<string>((resolve) => {
    const git = spawn("git", ["rev-parse", "--short", "HEAD"], { cwd: root });
    let out = "";
    git.stdout.on("data", (d) => {
      out += d;
    });
    git.on("close", () => resolve(out.trim()));
  });
  const table = [
    `\n### http, ${new Date().toISOString().slice(0, 16)}, ${SECONDS} s per route (after ${WARMUP} s warm-up), ${CONNECTIONS} connections${ROUNDS > 1 ? `, median of ${ROUNDS} interleaved rounds` : ""}${PROFILE ? ", server under the CPU profiler" : ""}`,
    "",
    `\`pnpm bench:http\` at ${commit} (+ working tree). Server: NODE_ENV=production, LOG_LEVEL=${serverEnv.LOG_LEVEL} (to a file), DATABASE_POOL_SIZE=${config.postgres.poolSize}, rate limits raised via env (printed by the run); each ceiling in its own process; all with \`node ${serverNodeArgs.join(" ")}\`.${process.env.BENCH_PIN_SERVERS ? ` Servers pinned to CPU ${process.env.BENCH_PIN_SERVERS}, the load generator to CPU ${ownCpus()}.` : ""}${process.env.BENCH_SERVER_DIR ? ` Server from ${process.env.BENCH_SERVER_DIR}.` : ""}${process.env.BENCH_SERVER_ENV ? ` Experiment: ${process.env.BENCH_SERVER_ENV}.` : ""}${only ? ` Only: ${only.source}.` : ""}${COMPARE_DIR ? ` [${LABEL}] is this checkout, [${COMPARE_LABEL}] the server of ${COMPARE_DIR}, measured right after it in each round.` : ""}`,
    "",
    "| route | req/s | p50 ms | p99 ms | ratio | target | met? | server CPU µs/req | CPU ratio | stores CPU µs/req |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "ratio: req/s ÷ the ceiling's req/s (the target). CPU ratio: the ceiling's CPU per request ÷ this route's (the same cost comparison, less sensitive to other load on the machine). Stores: CPU per request of the PostgreSQL (all backends, so other users' queries too) and Redis the server uses.",
    "",
  ].join("\n");
  console.log(table);
  if (!process.env.BENCH_NO_APPEND) appendFileSync(join(benchDir, "RESULTS.md"), table);

  if (profiles.length) {
    const sections = profiles.map(({ route, file, requests }) =>
      summaryMarkdown(`${route.name}`, summarize(file, Number(process.env.BENCH_PROFILE_TOP ?? 15)), { requests }),
    );
    const text = [
      `\n#### CPU profiles (self time, server process, load window only; files in ${profileDir.replace(root, "")})\n`,
      ...sections,
    ].join("\n");
    console.log(text);
    if (!process.env.BENCH_NO_APPEND) appendFileSync(join(benchDir, "RESULTS.md"), text);
  }
}

try {
  await main();
} catch (err) {
  console.error(err);
  const log = join(root, ".local", "bench-http-server.log");
  if (existsSync(log)) console.error(readFileSync(log, "utf8").split("\n").slice(-20).join("\n"));
  process.exitCode = 1;
} finally {
  await stopAll();
  if (!PROFILE) rmSync(join(root, ".local", "bench-files"), { recursive: true, force: true });
}
