/**
 * What the load and search benchmarks (bench/load.ts, bench/search.ts) share: the production server
 * in its own process, signed-in sessions made by the api package's own identity provider, a lean
 * tRPC-over-fetch caller, and per-operation latency figures.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { AppDeps } from "@p2p/api";
import superjson from "superjson";
import { Agent, request } from "undici";
import { serverNodeArgs } from "../packages/testkit/src/repo";
import { summarize, summaryMarkdown } from "./profile-summary";

export const root = new URL("..", import.meta.url).pathname;
export const benchDir = new URL(".", import.meta.url).pathname;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The stores' URLs (scripts/services.sh env) in this process's environment: those of the instance
 * `instance` (SERVICES_INSTANCE, started when down) replace any set; without one, the shared
 * services' fill in what is not set.
 */
export function servicesEnv(instance?: string): void {
  const env = { ...process.env, ...(instance ? { SERVICES_INSTANCE: instance } : {}) };
  if (instance)
    execFileSync("bash", [join(root, "scripts/services.sh"), "up"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const out = execFileSync("bash", [join(root, "scripts/services.sh"), "env"], { env, encoding: "utf8" });
  for (const line of out.split("\n")) {
    const at = line.indexOf("=");
    if (at <= 0) continue;
    const [name, value] = [line.slice(0, at), line.slice(at + 1)];
    if (instance || !process.env[name]) process.env[name] = value;
  }
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

// The server's node arguments; the ceilings and floors run with them too, so a ratio compares code, not V8 settings.
export { serverNodeArgs };

/**
 * `node --no-memory-reducer --import tsx apps/server/src/main.ts` (serverNodeArgs) in
 * production mode with `env` on top of this process's environment; output to .local/<log>.
 * `profile`: preload bench/cpu-profile-hook.ts (SIGUSR2 toggles the V8 profiler).
 */
export async function startServer(opts: {
  port: number;
  env: Record<string, string>;
  log: string;
  profileDir?: string;
  /** How long start-up may take (a first start on a big database builds indexes). */
  readyTimeoutMs?: number;
}): Promise<ServerProcess> {
  mkdirSync(join(root, ".local"), { recursive: true });
  const url = `http://127.0.0.1:${opts.port}`;
  const args = [...serverNodeArgs];
  if (opts.profileDir) args.push("--import", join(benchDir, "cpu-profile-hook.ts"));
  const out = openSync(join(root, ".local", opts.log), "w");
  const child = spawn(process.execPath, [...args, "src/main.ts"], {
    cwd: join(root, "apps", "server"),
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(opts.port),
      PUBLIC_URL: url,
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      ...(opts.profileDir ? { BENCH_PROFILE_DIR: opts.profileDir } : {}),
      ...opts.env,
    },
    stdio: ["ignore", out, out],
    detached: true,
  });
  let exited = child.exitCode !== null;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void gone.then(() => {
    exited = true;
  });
  const stop = async () => {
    if (exited || !child.pid) return;
    process.kill(-child.pid, "SIGTERM");
    const killer = setTimeout(() => child.pid && !exited && process.kill(-child.pid, "SIGKILL"), 15_000);
    await gone;
    clearTimeout(killer);
  };
  for (let i = 0; i < (opts.readyTimeoutMs ?? 120_000) / 250 && !exited; i++) {
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, pid: child.pid as number, url, stop };
    await sleep(250);
  }
  await stop();
  const tail = readFileSync(join(root, ".local", opts.log), "utf8")
    .split("\n")
    .slice(-20)
    .join("\n");
  throw new Error(`the server did not become ready (.local/${opts.log}):\n${tail}`);
}

/**
 * A bearer token per user, each a real session started by the server's identity provider (the
 * same call sign-in makes after the password check): signing a thousand people up through the API
 * would measure argon2, not the workload.
 */
export async function openSessions(deps: AppDeps, userIds: string[]): Promise<string[]> {
  const tokens: string[] = new Array(userIds.length);
  await inParallel(userIds.length, 8, async (i) => {
    const session = await deps.identity.startSession(userIds[i] as string, {
      remember: true,
      userAgent: "p2p-bench",
      ip: null,
    });
    tokens[i] = session.token;
  });
  return tokens;
}

/**
 * `count` members spread over `orgIds`, inserted in bulk (signing a thousand people up through the
 * API would measure argon2), each signed in (`openSessions`).
 */
export async function benchMembers(deps: AppDeps, orgIds: readonly string[], count: number, label: string) {
  const run = Date.now();
  const members = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    organizationId: orgIds[i % orgIds.length] as string,
    email: `bench.${label.toLowerCase()}.${run}.${i}@example.com`,
    emailVerifiedAt: new Date(),
    firstName: label,
    lastName: `User ${i}`,
    role: "member" as const,
  }));
  for (let i = 0; i < members.length; i += 500)
    await deps.db
      .insertInto("users")
      .values(members.slice(i, i + 500))
      .execute();
  const tokens = await openSessions(
    deps,
    members.map((m) => m.id),
  );
  return members.map((m, i) => ({ userId: m.id, orgId: m.organizationId, token: tokens[i] as string }));
}

/** `task(0 … count-1)`, `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Runs a benchmark's main: an error is printed and fails the command; the process ends either way. */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
  process.exit();
}

export type CallResult = { ok: true; data: unknown } | { ok: false; error: string };

/** Keep-alive connections shared by every simulated client of this process. */
const pool = new Agent({ keepAliveTimeout: 30_000 });

/** A body as a browser receives it: decoded from the encoding the server chose. */
function decoded(body: Buffer, encoding: string | string[] | undefined): string {
  if (encoding === "br") return brotliDecompressSync(body).toString("utf8");
  if (encoding === "gzip") return gunzipSync(body).toString("utf8");
  return body.toString("utf8");
}

/**
 * One tRPC call over HTTP as the typed client sends it without batching (GET for queries, POST
 * for mutations, superjson's envelope), accepting compressed answers as a browser does, on a
 * shared keep-alive pool: a thousand users cost the generator a few connections, not a client
 * each. undici's `request` rather than `fetch`: the generator shares the machine with the server,
 * and fetch's streams cost it about a millisecond of CPU per call.
 */
export async function call(
  url: string,
  token: string,
  kind: "query" | "mutation",
  path: string,
  input?: unknown,
): Promise<CallResult> {
  // superjson's envelope: `{ json }`, with `meta` when the input holds dates (as the client sends it).
  const envelope = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
  const target =
    kind === "query" && envelope ? `${url}/trpc/${path}?input=${encodeURIComponent(envelope)}` : `${url}/trpc/${path}`;
  try {
    const res = await request(target, {
      dispatcher: pool,
      method: kind === "query" ? "GET" : "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "accept-encoding": "br, gzip",
        ...(kind === "mutation" ? { "content-type": "application/json" } : {}),
      },
      body: kind === "mutation" ? (envelope ?? "{}") : undefined,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = decoded(Buffer.from(await res.body.arrayBuffer()), res.headers["content-encoding"]);
    if (res.statusCode >= 400) return { ok: false, error: `${res.statusCode} ${text.slice(0, 160)}` };
    return { ok: true, data: (JSON.parse(text) as { result: { data: { json: unknown } } }).result.data.json };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * `clients` closed loops (client k with token k, no think time: its next request as soon as the
 * previous one answered) cycling through `inputs` of the query `path` for `seconds`, latencies and
 * errors recorded under `name`; answers how many requests completed. `position`: where in `inputs`
 * to go on (a warm-up and its measured run share one, so the run does not repeat the warm-up's inputs).
 */
export async function closedLoop(opts: {
  url: string;
  tokens: string[];
  clients: number;
  name: string;
  path: string;
  inputs: unknown[];
  seconds: number;
  into: Latencies;
  position?: { next: number };
}): Promise<number> {
  const until = Date.now() + opts.seconds * 1000;
  const position = opts.position ?? { next: 0 };
  let done = 0;
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, k) => {
      const token = opts.tokens[k % opts.tokens.length] as string;
      while (Date.now() < until) {
        const input = opts.inputs[position.next++ % opts.inputs.length];
        const t0 = performance.now();
        const r = await call(opts.url, token, "query", opts.path, input);
        const took = performance.now() - t0;
        done++;
        if (r.ok) opts.into.record(opts.name, took);
        else opts.into.fail(opts.name, r.error);
      }
    }),
  );
  return done;
}

export const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number)
    : Number.NaN;

export interface OpFigures {
  name: string;
  count: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  firstError?: string;
}

/** Latencies (ms) and errors per operation name. */
export class Latencies {
  private readonly samples = new Map<string, number[]>();
  private readonly errors = new Map<string, { count: number; first: string }>();

  record(name: string, ms: number): void {
    const list = this.samples.get(name);
    if (list) list.push(ms);
    else this.samples.set(name, [ms]);
  }

  fail(name: string, error: string): void {
    const e = this.errors.get(name);
    if (e) e.count++;
    else this.errors.set(name, { count: 1, first: error });
  }

  figures(name: string): OpFigures {
    const sorted = [...(this.samples.get(name) ?? [])].sort((a, b) => a - b);
    const e = this.errors.get(name);
    return {
      name,
      count: sorted.length,
      errors: e?.count ?? 0,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
      firstError: e?.first,
    };
  }

  names(): string[] {
    return [...new Set([...this.samples.keys(), ...this.errors.keys()])];
  }

  /** Every operation together. */
  all(name = "all operations"): OpFigures {
    const merged = new Latencies();
    for (const list of this.samples.values()) for (const ms of list) merged.record(name, ms);
    for (const [, e] of this.errors) for (let i = 0; i < e.count; i++) merged.fail(name, e.first);
    return merged.figures(name);
  }
}

export const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : "n/a");
export const met = (ok: boolean) => (ok ? "yes" : "**no**");

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

export function appendResults(text: string): void {
  console.log(text);
  if (!process.env.BENCH_NO_APPEND) appendFileSync(join(benchDir, "RESULTS.md"), text);
}

/** The commit under test, for the results' heading. */
export function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

/**
 * The server's environment for a benchmark on its own data: PostgreSQL's database and Mongo's
 * `dbName`, Redis keys under `<name>:`, local files in .local/<name>-files, and every request
 * limit out of reach (the clients send without think time from one IP).
 */
export function benchServerEnv(name: string, dbName: string): Record<string, string> {
  return {
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    MONGO_DB: dbName,
    REDIS_PREFIX: `${name}:`,
    STORAGE_DRIVER: "local",
    STORAGE_DIR: join(root, ".local", `${name}-files`),
    RATE_LIMIT_PER_IP_PER_SECOND: "1000000000",
    RATE_LIMIT_PER_IP_PER_MINUTE: "1000000000",
    RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000000000",
    RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: "1000000000",
    SIGNUPS_PER_IP_PER_HOUR: "1000000000",
  };
}

export interface LoadScenario {
  name: string;
  /** The query's path. */
  path: string;
  /** The inputs the clients cycle through. */
  inputs: unknown[];
  note?: string;
  /** The clients' tokens for this scenario, when not measureScenarios' own. */
  tokens?: string[];
  /** How many closed loops, when not measureScenarios' own `clients`. */
  clients?: number;
}

/**
 * Each scenario in turn: `clients` closed loops for 1 s (warm-up, not recorded), then for
 * `seconds` (recorded); logs a line a scenario. Answers the latencies and each scenario's req/s.
 */
/**
 * With BENCH_PROFILE=1, where a benchmark's server writes its CPU profile (startServer's
 * `profileDir`, and measureScenarios' `profileDir`: one profile over all measured scenarios,
 * summarized on the console).
 */
export function profileDirFor(name: string): string | undefined {
  if (!process.env.BENCH_PROFILE) return undefined;
  const dir = join(root, ".local", "bench-profiles", `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The server was just started: JIT, pools and PostgreSQL's caches warm up under the first scenario's load first. */
const FIRST_WARMUP_SECONDS = 3;
/** How measureScenarios warms up, for the tables' headings. */
export const WARMUP_NOTE = `after 1 s warm-up, ${FIRST_WARMUP_SECONDS} s before the first`;

export async function measureScenarios(opts: {
  url: string;
  tokens: string[];
  clients: number;
  seconds: number;
  scenarios: LoadScenario[];
  /** The server's process: its CPU time per request is reported (steadier than req/s on a shared machine). */
  serverPid?: number;
  /** The server's profileDir (profileDirFor): profiled over the measured windows of every scenario. */
  profileDir?: string;
}): Promise<ScenarioFigures> {
  const profiling = opts.profileDir && opts.serverPid;
  if (profiling) process.kill(opts.serverPid as number, "SIGUSR2");
  const latencies = new Latencies();
  const rps = new Map<string, number>();
  const cpu = new Map<string, { server: number; client: number }>();
  for (const [i, s] of opts.scenarios.entries()) {
    const loop = {
      url: opts.url,
      tokens: s.tokens ?? opts.tokens,
      clients: s.clients ?? opts.clients,
      name: s.name,
      path: s.path,
      position: { next: 0 },
    };
    await closedLoop({ ...loop, inputs: s.inputs, seconds: i === 0 ? FIRST_WARMUP_SECONDS : 1, into: new Latencies() });
    const t0 = Date.now();
    const server0 = opts.serverPid ? cpuSeconds(opts.serverPid) : 0;
    const client0 = process.cpuUsage();
    const count = await closedLoop({ ...loop, inputs: s.inputs, seconds: opts.seconds, into: latencies });
    rps.set(s.name, count / ((Date.now() - t0) / 1000));
    const client = process.cpuUsage(client0);
    if (opts.serverPid && count)
      cpu.set(s.name, {
        server: ((cpuSeconds(opts.serverPid) - server0) * 1000) / count,
        client: (client.user + client.system) / 1000 / count,
      });
    const f = latencies.figures(s.name);
    console.log(
      `${s.name}: ${rps.get(s.name)?.toFixed(0)} req/s, p50 ${ms(f.p50)} p95 ${ms(f.p95)} p99 ${ms(f.p99)} ms, ${f.errors} errors${cpu.has(s.name) ? `, server CPU ${cpu.get(s.name)?.server.toFixed(2)} ms/req` : ""}`,
    );
  }
  if (profiling) {
    process.kill(opts.serverPid as number, "SIGUSR2");
    await sleep(2_000);
    const file = join(opts.profileDir as string, "1.cpuprofile");
    console.log(summaryMarkdown("server over all scenarios (self time)", summarize(file, 25)), `\n(profile: ${file})`);
  }
  return { latencies, rps, cpu };
}

export interface ScenarioFigures {
  latencies: Latencies;
  rps: Map<string, number>;
  /** CPU milliseconds per request of the server and of this load generator, when the server's pid was given. */
  cpu?: Map<string, { server: number; client: number }>;
}

/**
 * The results table of measured scenarios (req/s, p50, p95, p99, errors, whether p95 is under
 * `targetMs` with no errors) and the closing line (how many met, which missed, the load average).
 */
export function scenarioTable(
  scenarios: LoadScenario[],
  { latencies, rps, cpu }: ScenarioFigures,
  targetMs: number,
): string[] {
  const withCpu = !!cpu?.size;
  const cpuCells = (name: string) => {
    const c = cpu?.get(name);
    return withCpu ? ` ${c ? c.server.toFixed(2) : ""} | ${c ? c.client.toFixed(2) : ""} |` : "";
  };
  const meets = (name: string) => {
    const f = latencies.figures(name);
    return f.p95 < targetMs && f.errors === 0;
  };
  const rows = scenarios.map((s) => {
    const f = latencies.figures(s.name);
    const errors = `${f.errors}${f.firstError ? ` (${f.firstError.replace(/\|/g, "/").slice(0, 100)})` : ""}`;
    return `| ${s.name}${s.note ? ` (${s.note})` : ""} | ${(rps.get(s.name) ?? 0).toFixed(0)} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${errors} | ${met(meets(s.name))} |${cpuCells(s.name)}`;
  });
  const missed = scenarios.filter((s) => !meets(s.name));
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  return [
    `| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | p95 < ${targetMs} ms |${withCpu ? " server CPU ms/req | client CPU ms/req |" : ""}`,
    `|---|---|---|---|---|---|---|${withCpu ? "---|---|" : ""}`,
    ...rows,
    "",
    `${scenarios.length - missed.length} of ${scenarios.length} scenarios meet p95 < ${targetMs} ms with no errors${missed.length ? `; missed: ${missed.map((s) => s.name).join("; ")}` : ""}. Load average at the end: ${load} (${cpus().length} cores, shared by the server, the stores and the clients).`,
  ];
}

/**
 * Removes a run's keys (`prefix`*) from Redis at its end: event streams, presence and jobs of a
 * thousand users, ~2,600 keys a run, which piled up in the shared development Redis.
 */
export async function dropRedisKeys(redis: AppDeps["redis"]["command"], prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
    if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  }
}
