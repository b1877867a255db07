/**
 * Live topic subscriptions at scale (issue 11), on a production server started here as its own process:
 * N WebSocket clients, one socket each, subscribe to forums.onTopic on one topic. Measures how many
 * started, the server's RSS growth per idle subscription (read from /proc after a GC settle), every
 * message the clients received while joining and leaving (presence must cost O(N), not O(N²)), and
 * how long one post takes to reach every subscriber (2,000, then 1,000 after half left).
 * Targets (docs/architecture.md): all start; ≤ 8 KiB per idle subscription; post → 1,000 subscribers
 * p99 ≤ 100 ms; joins cost O(N) messages. The floor (bench/ceilings/minimal-trpc-ws.ts: tRPC's ws
 * adapter and `ws` alone) is measured the same way, for memory first and, at the end with this
 * server idle, for delivering the same post event to as many subscribers.
 *
 *   set -a; eval "$(bash scripts/services.sh env)"; set +a; pnpm bench:live
 *
 * BENCH_SUBSCRIBERS (2000), BENCH_POSTS (20); BENCH_CPU_PROF=1 writes the server's CPU profile to
 * bench/profiles/ (open it in Chrome DevTools or speedscope); BENCH_SERVER_NODE_OPTIONS passes flags
 * to the server only (e.g. --max-semi-space-size=64). BENCH_HEAP_SNAPSHOT=1 writes heap snapshots of the
 * server to bench/profiles/ at the three memory points (before, sockets, subscriptions); compare two
 * with `node --max-old-space-size=8192 --import tsx bench/heap-diff.ts <a> <b> <count>` to see what
 * each socket or subscription holds, by constructor. BENCH_NO_APPEND=1 prints the table without
 * appending it to bench/RESULTS.md.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "@p2p/api";
import { createClient } from "@p2p/client";
import superjson from "superjson";
import WebSocket from "ws";
import { serverNodeArgs } from "./harness";
import { signUpBenchAdmin } from "./sign-up";

const N = Number(process.env.BENCH_SUBSCRIBERS ?? 2000);
const HALF = Math.floor(N / 2);
const K = Number(process.env.BENCH_POSTS ?? 20);
const PORT = 3998;
const url = `http://127.0.0.1:${PORT}`;
const root = new URL("..", import.meta.url).pathname;
const memFile = join(tmpdir(), `bench-live-mem-${process.pid}.json`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const snapshotDir = join(root, "bench/profiles");

// What the server runs with. One subscription per socket, so the per-connection WebSocket limits
// (subscriptions, calls per second) are not in the way at their defaults; printed with the results.
const serverEnv: Record<string, string> = {
  NODE_ENV: "production",
  HOST: "127.0.0.1",
  PORT: String(PORT),
  LOG_LEVEL: "warn",
  REDIS_PREFIX: `bench-live:${Date.now()}:`,
  MONGO_DB: "bench",
  PASSWORD_HASH_MEMORY_KIB: "1024",
  WS_MAX_SUBSCRIPTIONS: "100",
  WS_CALLS_PER_SECOND: "50",
};

function startServer(): ChildProcess {
  const args = ["--expose-gc", "--require", join(root, "bench/gc-signal.cjs"), ...serverNodeArgs];
  if (process.env.BENCH_CPU_PROF) {
    mkdirSync(join(root, "bench/profiles"), { recursive: true });
    args.push("--cpu-prof", `--cpu-prof-dir=${join(root, "bench/profiles")}`);
  }
  if (process.env.BENCH_HEAP_SNAPSHOT) {
    mkdirSync(snapshotDir, { recursive: true });
    args.push("--heapsnapshot-signal=SIGWINCH", `--diagnostic-dir=${snapshotDir}`);
  }
  return spawn(process.execPath, [...args, "apps/server/src/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ...serverEnv,
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      BENCH_MEM_FILE: memFile,
      // Extra V8/Node flags for the server only, e.g. "--max-semi-space-size=64" (printed with the results).
      ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
    },
    stdio: "inherit",
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(25);
  }
  console.warn(`  (gave up waiting: ${what})`);
  return false;
}

async function waitReady(): Promise<void> {
  const ok = await until(
    () =>
      fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    60_000,
    "server ready",
  );
  if (!ok) throw new Error("server did not become ready");
}

/** Server memory after a GC settle: VmRSS from /proc, heap figures from the preload (bench/gc-signal.cjs). */
async function serverMemory(pid: number, label: string) {
  let usage = { heapUsed: 0, external: 0, arrayBuffers: 0, young: 0 };
  for (let i = 0; i < 2; i++) {
    rmSync(memFile, { force: true });
    process.kill(pid, "SIGUSR2");
    await until(() => existsSync(memFile), 10_000, "memory report");
    await sleep(100);
    usage = JSON.parse(readFileSync(memFile, "utf8"));
    await sleep(1_000);
  }
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  if (process.env.BENCH_HEAP_SNAPSHOT) await heapSnapshot(pid, label);
  return {
    rssKiB,
    /** RSS less V8's young generation (sized by the recent allocation rate, not by what is held). */
    rssLessYoungKiB: rssKiB - usage.young / 1024,
    heapKiB: usage.heapUsed / 1024,
    externalKiB: (usage.external + usage.arrayBuffers) / 1024,
  };
}

/** Has the server write a heap snapshot (--heapsnapshot-signal) and waits until the file is complete. */
async function heapSnapshot(pid: number, label: string): Promise<void> {
  const snapshots = () => readdirSync(snapshotDir).filter((f) => f.endsWith(".heapsnapshot"));
  const known = new Set(snapshots());
  process.kill(pid, "SIGWINCH");
  let file: string | undefined;
  let size = -1;
  await until(
    () => {
      file ??= snapshots().find((f) => !known.has(f));
      if (!file) return false;
      const now = statSync(join(snapshotDir, file)).size;
      const done = now > 0 && now === size;
      size = now;
      return done;
    },
    300_000,
    "heap snapshot",
  );
  await sleep(2_000);
  if (file) {
    renameSync(join(snapshotDir, file), join(snapshotDir, `live-${pid}-${label}.heapsnapshot`));
    console.log(`  heap snapshot: bench/profiles/live-${pid}-${label}.heapsnapshot`);
  }
}

// ---------------------------------------------------------------- fixture

/**
 * An admin (signed up through the API) with a topic, and N members of their organization with a
 * session each, written straight to PostgreSQL: signing 2,000 people up through the API would
 * measure password hashing, not live topics. Session tokens are `<id>.<secret>`, the secret stored
 * as its SHA-256 (infra/auth/builtin.ts).
 */
async function fixture(db: ReturnType<typeof createDb>) {
  const run = Date.now();
  const token = await signUpBenchAdmin(url, "Bench Live Org");
  const admin = createClient({ url, token });
  const me = await admin.auth.me.query();
  const category = (await admin.forums.listCategories.query())[0];
  if (!category) throw new Error("no forum category");
  const newTopic = (title: string) =>
    admin.forums.createTopic.mutate({
      title,
      body: `<p>${title}</p>`,
      categoryId: category.id,
      visibility: "platform",
    });
  const topic = await newTopic(`Live benchmark ${run}`);
  const warmTopic = await newTopic(`Live benchmark warm-up ${run}`);

  const tokens: string[] = [];
  const now = new Date();
  for (let start = 0; start < N; start += 500) {
    const users = Array.from({ length: Math.min(500, N - start) }, (_, i) => ({
      id: randomUUID(),
      organizationId: me.organization.id,
      email: `bench.live.${run}.${start + i}@example.com`,
      emailVerifiedAt: now,
      passwordHash: null,
      firstName: "Viewer",
      lastName: String(start + i),
      title: null,
      phone: null,
      bio: null,
      avatarFileId: null,
      role: "member" as const,
      totpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      externalId: null,
      lastActiveAt: null,
    }));
    await db.insertInto("users").values(users).execute();
    const sessions = users.map((u) => {
      const id = randomUUID();
      const secret = randomBytes(32).toString("base64url");
      tokens.push(`${id}.${secret}`);
      return {
        id,
        userId: u.id,
        secretHash: createHash("sha256").update(secret).digest("base64url"),
        previousSecretHash: null,
        userAgent: "bench",
        ip: null,
        expiresAt: new Date(Date.now() + 6 * 60 * 60 * 1000),
        revokedAt: null,
      };
    });
    await db.insertInto("sessions").values(sessions).execute();
  }
  return { admin, topicId: topic.id, warmTopicId: warmTopic.id, tokens };
}

// ---------------------------------------------------------------- subscribers

/** A post event as a subscriber received it: when, its event id (its publish time) and the post's id. */
interface Received {
  at: number;
  eventId: string;
  postId: string;
}

/** The ids of a post event, found in the raw message without parsing it (the clients stay light). */
function received(at: number, raw: string): Received {
  const post = raw.indexOf('"post":{"id":"') + 14;
  const event = raw.lastIndexOf('"id":"') + 6;
  return { at, postId: raw.slice(post, post + 36), eventId: raw.slice(event, raw.indexOf('"', event)) };
}

/** One WebSocket client with one forums.onTopic subscription, speaking tRPC's wire format. */
class Subscriber {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  started = false;
  failed: string | null = null;
  messages = 0;
  presence = 0;
  lastCount = -1;
  /** Post events as they arrived (the clock read first). */
  posts: Received[] = [];
  /** The first post event's message as it came: the floor publishes the same event. */
  sample: string | null = null;

  constructor(token: string, base = url) {
    this.ws = new WebSocket(`${base.replace("http", "ws")}/trpc`, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    this.opened = new Promise((resolve) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", () => resolve());
    });
    this.ws.on("message", (data) => {
      const at = Date.now();
      const raw = data.toString();
      if (raw === "PING") return this.ws.send("PONG");
      this.messages++;
      if (raw.includes('"type":"post.created"')) {
        this.posts.push(received(at, raw));
        this.sample ??= raw;
      } else if (raw.includes('"type":"presence"')) {
        this.presence++;
        this.lastCount = Number(/"count":(\d+)/.exec(raw)?.[1] ?? -1);
      } else if (raw.includes('"type":"started"')) this.started = true;
      else if (raw.includes('"error"')) this.failed = raw.slice(0, 300);
    });
    this.ws.on("error", (err) => {
      this.failed = err.message;
    });
  }

  subscribe(topicId: string, path = "forums.onTopic") {
    const params = { path, input: { json: path === "forums.onTopic" ? { topicId } : null } };
    this.ws.send(JSON.stringify({ id: 1, method: "subscription", params }));
  }

  close() {
    this.ws.close();
  }
}

/** Runs `task` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** One WebSocket per token, `concurrency` connecting at a time. */
async function connect(tokens: string[], concurrency = 50, base = url): Promise<Subscriber[]> {
  const subs: Subscriber[] = [];
  await pool(tokens, concurrency, (token) => {
    const sub = new Subscriber(token, base);
    subs.push(sub);
    return sub.opened;
  });
  return subs;
}

/** Each socket subscribes to the topic, `concurrency` at a time; resolves when each started or failed. */
async function subscribe(subs: Subscriber[], topicId: string, concurrency = 50, path?: string): Promise<void> {
  await pool(subs, concurrency, (sub) => {
    sub.subscribe(topicId, path);
    return until(() => sub.started || sub.failed !== null, 15_000, "a subscription to start");
  });
}

const totals = (subs: Subscriber[]) => ({
  messages: subs.reduce((n, s) => n + s.messages, 0),
  presence: subs.reduce((n, s) => n + s.presence, 0),
});

// ---------------------------------------------------------------- delivery

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number) : NaN;

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Publishes K posts one after the other (`publish` answers the post's id; each once the previous
 * reached everyone, or after 5 s) and returns every subscriber's delay from publish (the event id
 * is the time it was published: the Redis time it was stored, on the project's server) to the
 * moment its socket received it. `serverPid`: whose CPU is counted.
 */
async function deliver(publish: (k: number) => Promise<string>, subs: Subscriber[], serverPid: number) {
  for (const s of subs) s.posts = [];
  const cpuBefore = cpuMs(serverPid);
  const ids: string[] = [];
  const roundTrips: number[] = [];
  for (let k = 0; k < K; k++) {
    const t0 = Date.now();
    ids.push(await publish(k));
    roundTrips.push(Date.now() - t0);
    await until(() => subs.every((s) => s.posts.length > k), 5_000, `post ${k} to reach every subscriber`);
    await sleep(100);
  }
  const delays: number[] = [];
  let missing = 0;
  const lastPerPost = new Map<string, number>();
  for (const s of subs) {
    const got = new Set<string>();
    for (const { at, eventId, postId } of s.posts) {
      const published = Number(eventId.split("-")[0]);
      got.add(postId);
      delays.push(at - published);
      lastPerPost.set(postId, Math.max(lastPerPost.get(postId) ?? 0, at - published));
    }
    missing += ids.filter((id) => !got.has(id)).length;
  }
  delays.sort((a, b) => a - b);
  const all = [...lastPerPost.values()].sort((a, b) => a - b);
  return {
    subscribers: subs.length,
    samples: delays.length,
    missing,
    p50: percentile(delays, 50),
    p99: percentile(delays, 99),
    max: delays.at(-1) ?? NaN,
    lastMedian: percentile(all, 50),
    lastMax: all.at(-1) ?? NaN,
    // Server CPU per delivered message (the K createPost calls included): what a fan-out costs
    // whatever else shares the machine.
    cpuPerDeliveryUs: ((cpuMs(serverPid) - cpuBefore) * 1000) / Math.max(1, delays.length),
    mutationP50: percentile(
      [...roundTrips].sort((a, b) => a - b),
      50,
    ),
  };
}

/**
 * The floor, bench/ceilings/minimal-trpc-ws.ts (tRPC's ws adapter, `ws`, superjson, nothing else),
 * in its own process, ready.
 */
async function startFloor() {
  const floorPort = PORT + 1;
  const floorUrl = `http://127.0.0.1:${floorPort}`;
  if (process.env.BENCH_HEAP_SNAPSHOT) mkdirSync(snapshotDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      "--expose-gc",
      "--require",
      join(root, "bench/gc-signal.cjs"),
      ...serverNodeArgs,
      ...(process.env.BENCH_HEAP_SNAPSHOT ? ["--heapsnapshot-signal=SIGWINCH", `--diagnostic-dir=${snapshotDir}`] : []),
      "bench/ceilings/minimal-trpc-ws.ts",
    ],
    {
      cwd: root,
      env: { ...process.env, NODE_ENV: "production", PORT: String(floorPort), BENCH_MEM_FILE: memFile },
      stdio: "inherit",
    },
  );
  const gone = new Promise((r) => child.once("exit", r));
  const stop = async () => {
    child.kill("SIGTERM");
    await Promise.race([gone, sleep(5_000)]);
  };
  try {
    await until(
      () =>
        fetch(floorUrl).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
      "floor server ready",
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid as number, url: floorUrl, stop };
}

/**
 * The floor's memory: the same sockets and subscriptions (an idle stream of one pending promise)
 * on the floor server, measured the same way. What the project's server holds beyond it is ours.
 */
async function measureFloor(count: number) {
  const floor = await startFloor();
  const subs: Subscriber[] = [];
  try {
    const tokens = Array.from({ length: count }, () => "none");
    const warm = await connect(tokens.slice(0, 100), 50, floor.url);
    await subscribe(warm, "", 50, "idle");
    for (const s of warm) s.close();
    await sleep(2_000);
    const before = await serverMemory(floor.pid, "floor-before");
    subs.push(...(await connect(tokens, 50, floor.url)));
    await sleep(2_000);
    const sockets = await serverMemory(floor.pid, "floor-sockets");
    await subscribe(subs, "", 50, "idle");
    const started = subs.filter((s) => s.started).length;
    await sleep(2_000);
    const after = await serverMemory(floor.pid, "floor-subscriptions");
    return {
      started,
      perSocketRss: (sockets.rssKiB - before.rssKiB) / subs.length,
      perSocketHeap: (sockets.heapKiB - before.heapKiB) / subs.length,
      perSubRss: (after.rssKiB - sockets.rssKiB) / started,
      perSubRssLessYoung: (after.rssLessYoungKiB - sockets.rssLessYoungKiB) / started,
      perSubHeap: (after.heapKiB - sockets.heapKiB) / started,
    };
  } finally {
    for (const s of subs) s.close();
    await floor.stop();
  }
}

/**
 * The floor's delivery: the post event the project's subscribers received (`sample`, a message as
 * it came), published K times on the floor server to `count` subscribers, then to `half` of them,
 * measured as the project's posts are. What the project's delivery takes beyond it is ours.
 */
async function measureFloorDelivery(count: number, half: number, sample: string) {
  const message = JSON.parse(sample) as { result: { data: Parameters<typeof superjson.deserialize>[0] } };
  const tracked = superjson.deserialize<{ id: string; data: unknown }>(message.result.data);
  const event = superjson.stringify(tracked.data);
  const floor = await startFloor();
  const subs: Subscriber[] = [];
  try {
    const tokens = Array.from({ length: count }, () => "none");
    subs.push(...(await connect(tokens, 50, floor.url)));
    await subscribe(subs, "", 50, "events");
    const live = subs.filter((s) => s.started);
    const publish = async () => (await fetch(`${floor.url}/publish`, { method: "POST", body: event })).text();
    await deliver(publish, live, floor.pid); // warm-up: every subscriber, so none is still behind after it
    const atAll = await deliver(publish, live, floor.pid);
    for (const s of live.slice(half)) s.close();
    await sleep(2_000);
    const atHalf = await deliver(publish, live.slice(0, half), floor.pid);
    return { atAll, atHalf };
  } finally {
    for (const s of subs) s.close();
    await floor.stop();
  }
}

// ---------------------------------------------------------------- run

// First, alone on the machine's share of it: tRPC's and ws's own cost per socket and subscription.
const floor = await measureFloor(N);
const db = createDb({ url: process.env.DATABASE_URL as string, poolSize: 2 });
const server = startServer();
const pid = server.pid as number;
const exited = new Promise((r) => server.once("exit", r));
let opened: Subscriber[] = [];
try {
  await waitReady();
  const { admin, topicId, warmTopicId, tokens } = await fixture(db);

  // Warm-up: the code paths of a subscription, compiled and cached once, are not per-subscription memory.
  const warm = await connect(tokens.slice(0, 100));
  await subscribe(warm, warmTopicId);
  await until(() => warm.every((s) => s.lastCount === warm.length), 15_000, "warm-up presence");
  for (const s of warm) s.close();
  await sleep(3_000);
  const before = await serverMemory(pid, "before");

  // N sockets (signed in, nothing subscribed yet), then N joins: one subscription on each.
  opened = await connect(tokens);
  const connected = opened.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
  await sleep(2_000);
  const sockets = await serverMemory(pid, "sockets");
  const joinStart = Date.now();
  await subscribe(opened, topicId);
  const started = opened.filter((s) => s.started).length;
  const joinMs = Date.now() - joinStart;
  // Presence settles when every subscriber was told the final count (at most one interval later).
  await until(() => opened.every((s) => !s.started || s.lastCount === started), 30_000, "presence after the joins");
  const joinSettledMs = Date.now() - joinStart;
  const joins = totals(opened);
  const failures = opened.filter((s) => s.failed).map((s) => s.failed);

  await sleep(2_000);
  const after = await serverMemory(pid, "subscriptions");
  const perSocketRss = (sockets.rssKiB - before.rssKiB) / connected;
  const perSocketHeap = (sockets.heapKiB - before.heapKiB) / connected;
  const perSubRss = (after.rssKiB - sockets.rssKiB) / started;
  const perSubRssLessYoung = (after.rssLessYoungKiB - sockets.rssLessYoungKiB) / started;
  const perSubHeap = (after.heapKiB - sockets.heapKiB) / started;
  const perSubscriberRss = (after.rssKiB - before.rssKiB) / started;

  const live = opened.filter((s) => s.started);
  const reply = async (k: number) =>
    (await admin.forums.createPost.mutate({ topicId, body: `<p>benchmark reply ${k}</p>` })).id;
  const atAll = await deliver(reply, live, pid);

  // Half leave; the rest see the new count.
  const leaving = live.slice(HALF);
  const staying = live.slice(0, HALF);
  const beforeLeave = totals(staying);
  const leaveStart = Date.now();
  for (const s of leaving) s.close();
  await until(() => staying.every((s) => s.lastCount === staying.length), 30_000, "presence after the leaves");
  const leaveSettledMs = Date.now() - leaveStart;
  const leaves = totals(staying);
  const leaveMessages = leaves.messages - beforeLeave.messages;
  // What the leaves gave back (and the same settled start as the 2,000 had).
  await sleep(2_000);
  const afterLeaves = await serverMemory(pid, "leaves");
  const atHalf = await deliver(reply, staying, pid);
  // The floor's delivery of the same event to as many subscribers, this server idle meanwhile.
  const sample = live.find((s) => s.sample)?.sample;
  for (const s of opened) s.close();
  const floorDelivery = sample ? await measureFloorDelivery(live.length, HALF, sample) : null;

  // ---------------------------------------------------------------- report
  const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  const yes = (ok: boolean) => (ok ? "yes" : "**no**");
  const perJoin = joins.messages / started;
  const rows = [
    ["subscriptions started", `${started} / ${N}`, `all ${N}`, yes(started === N)],
    [
      // Met only when both are: RSS after GC moves by tens of KiB per subscriber between runs (the
      // allocator returns pages unevenly), the heap is the steady measure.
      "server memory per idle subscription (RSS and heap, after GC)",
      `${fmt(perSubRss)} KiB (heap ${fmt(perSubHeap)} KiB)`,
      "≤ 8 KiB (both)",
      yes(Math.max(perSubRss, perSubHeap) <= 8),
    ],
    [
      "  RSS less V8's young generation (sized by the recent allocation rate, not by what is held); the floor's the same way",
      `${fmt(perSubRssLessYoung)} KiB; the floor's ${fmt(floor.perSubRssLessYoung)} KiB`,
      "",
      "",
    ],
    [
      "  + its WebSocket connection, signed in (RSS, after GC)",
      `${fmt(perSocketRss)} KiB (heap ${fmt(perSocketHeap)} KiB)`,
      "",
      "",
    ],
    [
      "  = per idle subscriber, one socket each (RSS)",
      `${fmt(perSubscriberRss)} KiB (RSS ${fmt(before.rssKiB / 1024)} → ${fmt(sockets.rssKiB / 1024)} → ${fmt(after.rssKiB / 1024)} MiB)`,
      "",
      "",
    ],
    [
      "  of which the floor: tRPC's ws adapter + ws alone, idle subscription (bench/ceilings/minimal-trpc-ws.ts, RSS after GC)",
      `${fmt(floor.perSubRss)} KiB (heap ${fmt(floor.perSubHeap)} KiB); its socket ${fmt(floor.perSocketRss)} KiB (heap ${fmt(floor.perSocketHeap)} KiB); ${floor.started} / ${N} started`,
      "",
      "",
    ],
    [
      "  ours beyond the floor (heap)",
      `${fmt(perSubHeap - floor.perSubHeap)} KiB per subscription; ${fmt(perSocketHeap - floor.perSocketHeap)} KiB per socket`,
      "",
      "",
    ],
    [
      `messages received during ${started} joins (all types, all clients)`,
      `${joins.messages} (${joins.presence} presence; ${fmt(perJoin, 2)} per join; N²/2 = ${((started * started) / 2).toLocaleString("en")})`,
      "O(N): ≤ 10 per join",
      yes(perJoin <= 10),
    ],
    [
      `messages received during ${leaving.length} leaves`,
      `${leaveMessages} (${fmt(leaveMessages / leaving.length, 2)} per leave)`,
      "O(N)",
      yes(leaveMessages / leaving.length <= 10),
    ],
    [
      "joins: all started / presence settled",
      `${(joinMs / 1000).toFixed(1)} s / ${(joinSettledMs / 1000).toFixed(1)} s`,
      "",
      "",
    ],
    [
      `post → ${atAll.subscribers} subscribers, p50 / p99 / max`,
      `${atAll.p50} / ${atAll.p99} / ${atAll.max} ms (${atAll.samples} deliveries, ${atAll.missing} missing; last subscriber reached: median post ${atAll.lastMedian} ms, slowest ${atAll.lastMax} ms)`,
      "",
      "",
    ],
    [
      `post → ${atHalf.subscribers} subscribers, p50 / p99 / max`,
      `${atHalf.p50} / ${atHalf.p99} / ${atHalf.max} ms (${atHalf.samples} deliveries, ${atHalf.missing} missing; last subscriber reached: median post ${atHalf.lastMedian} ms, slowest ${atHalf.lastMax} ms)`,
      "p99 ≤ 100 ms, none missing",
      yes(atHalf.p99 <= 100 && atHalf.missing === 0 && atHalf.subscribers >= 1000),
    ],
    [
      "  the floor: tRPC's ws adapter + ws alone, the same event to as many subscribers (bench/ceilings/minimal-trpc-ws.ts), p50 / p99 / max",
      floorDelivery
        ? [floorDelivery.atAll, floorDelivery.atHalf]
            .map((d) => `${d.subscribers}: ${d.p50} / ${d.p99} / ${d.max} ms (${d.missing} missing)`)
            .join("; ")
        : "n/a (no post event received)",
      "",
      "",
    ],
    [
      `server CPU per delivered post (${atAll.subscribers} / ${atHalf.subscribers} subscribers, createPost included)`,
      `${fmt(atAll.cpuPerDeliveryUs, 0)} / ${fmt(atHalf.cpuPerDeliveryUs, 0)} µs${floorDelivery ? ` (the floor's, publishing included: ${fmt(floorDelivery.atAll.cpuPerDeliveryUs, 0)} / ${fmt(floorDelivery.atHalf.cpuPerDeliveryUs, 0)} µs)` : ""}`,
      "",
      "",
    ],
    [
      "createPost round trip (p50, 2,000 / 1,000 subscribers)",
      `${atAll.mutationP50} / ${atHalf.mutationP50} ms`,
      "",
      "",
    ],
    ["presence after leaves settled", `${(leaveSettledMs / 1000).toFixed(1)} s`, "", ""],
    [
      `heap given back by ${leaving.length} leaves (after GC)`,
      `${fmt((after.heapKiB - afterLeaves.heapKiB) / leaving.length)} KiB per leave (RSS ${fmt(afterLeaves.rssKiB / 1024)} MiB)`,
      "",
      "",
    ],
  ];
  const settings = Object.entries({ ...serverEnv, NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS ?? "" })
    .filter(([, v]) => v !== "")
    .filter(([k]) => !["HOST", "PORT", "REDIS_PREFIX", "MONGO_DB", "NODE_ENV"].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const table = [
    `\n### live-topic, ${new Date().toISOString().slice(0, 16)}, ${N} subscribers (one WebSocket each), ${K} posts, NODE_ENV=production${process.env.BENCH_CPU_PROF ? ", server under the CPU profiler" : ""}`,
    `Server: its own process, \`node ${serverNodeArgs.join(" ")} apps/server/src/main.ts\` (what \`pnpm start\` runs), ${settings}; presence at its defaults (infra/presence: one state per topic per max(1 s, 5 ms × viewers) up to 10 s, 20 viewers listed, one heartbeat per node every 20 s). Load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " ",
      )} (${cpus().length} cores, shared with the clients and the stores). ${failures.length} failed subscriptions${failures.length ? ` (first: ${failures[0]})` : ""}.`,
    "",
    "| measure | result | target | met |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n");
  console.log(table);
  // Snapshots pause the server and grow its RSS: such a run is for reading the snapshots, not the table.
  if (!process.env.BENCH_HEAP_SNAPSHOT && !process.env.BENCH_NO_APPEND) {
    appendFileSync(new URL("./RESULTS.md", import.meta.url), table);
  }
} finally {
  for (const s of opened) s.close();
  process.kill(pid, "SIGTERM");
  await Promise.race([exited, sleep(15_000)]);
  await db.destroy();
}
