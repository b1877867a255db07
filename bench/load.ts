/**
 * 1,000 concurrent signed-in users on a mixed workload (issue 11; docs/architecture.md, Performance
 * targets): each user holds one WebSocket with a live `forums.onTopic` subscription and, after a
 * think time of a few seconds, does one thing: list topics, read a topic, read its posts, search,
 * `auth.me`, reply, like. Targets: p95 < 200 ms, p99 < 500 ms, zero errors, for at least 60 s.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; set -a; eval "$(bash scripts/services.sh env)"; set +a
 *   flock /tmp/bench.lock pnpm bench:load
 *
 * Starts the production server itself (its own process) on databases of its own, emptied first
 * (PostgreSQL `bench_load`, MongoDB `bench_load`), seeds 10 organizations (their admins
 * signed up through the API), the other users written to PostgreSQL with sessions from the
 * server's own identity provider, and 200 topics with replies through the API; then ramps the users
 * up, warms up, measures, prints a table and appends it to bench/RESULTS.md.
 *
 * Env: BENCH_USERS (1000), BENCH_SECONDS (60, measured), BENCH_WARMUP_SECONDS (15),
 * BENCH_THINK_MS ("2000-8000": uniform think time between a user's actions), BENCH_PORT (4111),
 * BENCH_LOG_LEVEL (info, the production default), BENCH_SERVER_ENV ("NAME=value …" extra server
 * settings), BENCH_PROFILE=1 (V8 profile of the server over the measured window, summarized),
 * BENCH_OPS ("auth.me,forums.search": only these operations; none: the subscriptions alone), BENCH_NO_APPEND.
 */
import { mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type AppDeps, closeDeps, createDeps, loadConfig } from "@p2p/api";
import { MongoClient } from "mongodb";
import WebSocket from "ws";
import { Corpus, prng } from "./corpus";
import {
  appendResults,
  benchMembers,
  type CallResult,
  call,
  commit,
  cpuSeconds,
  dropRedisKeys,
  inParallel,
  Latencies,
  met,
  ms,
  root,
  rssMiB,
  runMain,
  servicesEnv,
  sleep,
  startServer,
} from "./harness";
import { summarize, summaryMarkdown } from "./profile-summary";
import { ensureDatabase } from "./search-seed";
import { signUpBenchAdmin } from "./sign-up";

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 15);
const [THINK_MIN, THINK_MAX] = (process.env.BENCH_THINK_MS ?? "2000-8000").split("-").map(Number) as [number, number];
const PORT = Number(process.env.BENCH_PORT ?? 4111);
/** Only these operations (comma-separated names), e.g. to measure one operation's cost alone. */
const ONLY = process.env.BENCH_OPS?.split(",");
const ORGS = 10;
const TOPICS = 200;
const REPLIES_PER_TOPIC = 4;
const TARGET = { p95: 200, p99: 500 };

/**
 * The server's settings. All simulated users share one IP (127.0.0.1), where a real deployment
 * sees a thousand: the per-IP request limit is raised out of reach. The per-user limits stay at
 * their production defaults. Printed with the results.
 */
const serverEnv: Record<string, string> = {
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
  REDIS_PREFIX: `bench-load:${Date.now()}:`,
  MONGO_DB: "bench_load",
  STORAGE_DRIVER: "local",
  STORAGE_DIR: join(root, ".local", "bench-load-files"),
  // Only the 10 admins' sign-ups hash a password (not part of the measured workload).
  PASSWORD_HASH_MEMORY_KIB: "1024",
  RATE_LIMIT_PER_IP_PER_SECOND: "1000000000",
  RATE_LIMIT_PER_IP_PER_MINUTE: "1000000000",
  // Read once a second while measuring (pool use and event-loop lag: watchServer).
  METRICS_TOKEN: "bench-load-metrics",
};
for (const pair of (process.env.BENCH_SERVER_ENV ?? "").split(/\s+/).filter(Boolean)) {
  const [name, ...value] = pair.split("=");
  if (name) serverEnv[name] = value.join("=");
}

interface User {
  index: number;
  userId: string;
  orgId: string;
  token: string;
  /** Topics this user may see (platform-wide ones and their organization's). */
  topics: string[];
  /** Posts by others this user has seen (likes go to these). */
  seenPosts: { id: string; topicId: string }[];
  ws?: WebSocket;
  subscribed: boolean;
}

interface Topic {
  id: string;
  orgId: string;
  platform: boolean;
}

// ---------------------------------------------------------------- fixture

const corpus = new Corpus(prng(11));

async function fixture(url: string, deps: AppDeps) {
  // One admin per organization, through the API's two-step sign-up.
  const admins = await Promise.all(
    Array.from({ length: ORGS }, (_, i) => signUpBenchAdmin(url, `Bench Load Org ${i + 1}`)),
  );
  const adminIds = await Promise.all(
    admins.map(async (token) => {
      const me = await call(url, token, "query", "auth.me");
      if (!me.ok) throw new Error(`auth.me: ${me.error}`);
      const data = me.data as { user: { id: string }; organization: { id: string } };
      return { userId: data.user.id, orgId: data.organization.id, token };
    }),
  );
  // The other users: members spread over the organizations, inserted in bulk.
  const members = await benchMembers(
    deps,
    adminIds.map((a) => a.orgId),
    USERS - ORGS,
    "Load",
  );
  const users: User[] = [
    ...adminIds.map((a) => ({ userId: a.userId, orgId: a.orgId, token: a.token })),
    ...members,
  ].map((u, index) => ({ ...u, index, topics: [], seenPosts: [], subscribed: false }));

  // Topics (a fifth organization-only) and replies, through the API, by users of every organization.
  const categories = await call(url, admins[0] as string, "query", "forums.listCategories");
  if (!categories.ok) throw new Error(`listCategories: ${categories.error}`);
  const categoryIds = (categories.data as { id: string }[]).map((c) => c.id);
  const topics: Topic[] = [];
  await inParallel(TOPICS, 8, async (i) => {
    const author = users[(i * 37) % users.length] as User;
    const platform = i % 5 !== 0;
    const created = await must(
      call(url, author.token, "mutation", "forums.createTopic", {
        title: corpus.title(),
        categoryId: corpus.pick(categoryIds),
        body: `<p>${corpus.body()}</p>`,
        tags: [corpus.word(), corpus.word()].filter((t, k, all) => all.indexOf(t) === k),
        visibility: platform ? "platform" : "organization",
      }),
      "createTopic",
    );
    topics[i] = { id: (created as { id: string }).id, orgId: author.orgId, platform };
  });
  for (const u of users) u.topics = topics.filter((t) => t.platform || t.orgId === u.orgId).map((t) => t.id);
  await inParallel(TOPICS * REPLIES_PER_TOPIC, 8, async (k) => {
    const topic = topics[k % TOPICS] as Topic;
    // Another user of any organization for a platform topic; one of the topic's organization otherwise.
    const candidate = users[(k * 53 + 7) % users.length] as User;
    const author = topic.platform ? candidate : (users.find((u) => u.orgId === topic.orgId) as User);
    await must(
      call(url, author.token, "mutation", "forums.createPost", { topicId: topic.id, body: `<p>${corpus.body()}</p>` }),
      "createPost",
    );
  });
  return { users, topics, categoryIds };
}

async function must(result: Promise<CallResult>, what: string): Promise<unknown> {
  const r = await result;
  if (!r.ok) throw new Error(`${what}: ${r.error}`);
  return r.data;
}

// ---------------------------------------------------------------- the users

const latencies = new Latencies();
/** Every measured call's start (ms since the epoch) and latency: the run second by second. */
const timeline: { at: number; took: number }[] = [];
const counters = { wsErrors: 0, wsFirstError: "", events: 0, postEvents: 0, subscribeFailures: 0 };
let measuring = false;
let stopping = false;

/** A `forums.onTopic` subscription on the user's own socket (tRPC's WebSocket wire format). */
function subscribe(url: string, user: User, topicId: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/trpc`, {
      headers: { authorization: `Bearer ${user.token}` },
      perMessageDeflate: false,
    });
    user.ws = ws;
    const fail = (why: string) => {
      if (stopping) return;
      counters.wsErrors++;
      counters.wsFirstError ||= why;
      resolve();
    };
    ws.once("open", () =>
      ws.send(
        JSON.stringify({
          id: 1,
          method: "subscription",
          params: { path: "forums.onTopic", input: { json: { topicId } } },
        }),
      ),
    );
    ws.on("message", (data) => {
      const raw = data.toString();
      if (raw === "PING") return ws.send("PONG");
      if (raw.includes('"type":"started"')) {
        user.subscribed = true;
        return resolve();
      }
      if (raw.includes('"error"')) return fail(`subscription error: ${raw.slice(0, 200)}`);
      if (measuring) {
        counters.events++;
        if (raw.includes('"type":"post.created"')) counters.postEvents++;
      }
    });
    ws.on("error", (err) => fail(`socket error: ${err.message}`));
    ws.on("close", (code) => {
      user.subscribed = false;
      fail(`socket closed (${code})`);
    });
  });
}

type Op = { name: string; weight: number; run: (user: User) => Promise<CallResult> };

function operations(url: string, categoryIds: string[]): Op[] {
  const q = (user: User, path: string, input?: unknown) => call(url, user.token, "query", path, input);
  const m = (user: User, path: string, input: unknown) => call(url, user.token, "mutation", path, input);
  const sorts = ["latest", "active", "top", "unanswered"] as const;
  /** Remembers a few posts by others from a page of posts, for likes. */
  const remember = (user: User, topicId: string, page: unknown) => {
    const items = (page as { items?: { id: string; author: { id: string } }[] } | undefined)?.items ?? [];
    for (const p of items) if (p.author.id !== user.userId) user.seenPosts.push({ id: p.id, topicId });
    if (user.seenPosts.length > 20) user.seenPosts.splice(0, user.seenPosts.length - 20);
  };
  return [
    {
      name: "forums.listTopics",
      weight: 20,
      run: (u) =>
        q(u, "forums.listTopics", {
          limit: 20,
          sort: corpus.pick(sorts),
          ...(corpus.random() < 0.3 ? { categoryId: corpus.pick(categoryIds) } : {}),
        }),
    },
    {
      name: "forums.getTopic",
      weight: 15,
      run: async (u) => {
        const id = corpus.pick(u.topics);
        const r = await q(u, "forums.getTopic", { id });
        if (r.ok) remember(u, id, (r.data as { posts: unknown }).posts);
        return r;
      },
    },
    {
      name: "forums.listPosts",
      weight: 15,
      run: async (u) => {
        const topicId = corpus.pick(u.topics);
        const r = await q(u, "forums.listPosts", { topicId, limit: 20 });
        if (r.ok) remember(u, topicId, r.data);
        return r;
      },
    },
    {
      name: "forums.search",
      weight: 10,
      run: (u) =>
        q(u, "forums.search", {
          q: corpus.random() < 0.5 ? corpus.word() : `${corpus.word()} ${corpus.word()}`,
          limit: 20,
          sort: corpus.random() < 0.7 ? "relevance" : "latest",
        }),
    },
    { name: "auth.me", weight: 15, run: (u) => q(u, "auth.me") },
    {
      name: "forums.createPost (reply)",
      weight: 12,
      run: (u) => {
        const seen = u.seenPosts.length && corpus.random() < 0.3 ? corpus.pick(u.seenPosts) : null;
        return m(u, "forums.createPost", {
          topicId: seen?.topicId ?? corpus.pick(u.topics),
          ...(seen ? { parentId: seen.id } : {}),
          body: `<p>${corpus.text(corpus.int(8, 40))}</p>`,
        });
      },
    },
    {
      name: "forums.likePost",
      weight: 13,
      run: (u) => {
        const post = u.seenPosts.pop();
        return post
          ? m(u, "forums.likePost", { postId: post.id })
          : q(u, "forums.listPosts", { topicId: corpus.pick(u.topics), limit: 20 });
      },
    },
  ];
}

/**
 * The measured window second by second (calls started, their p95), printed (not appended): a run
 * whose p95 swings from run to run shows here whether its slow calls come in bursts, and when.
 */
function printTimeline(t0: number): void {
  const seconds = new Map<number, number[]>();
  for (const { at, took } of timeline) {
    const second = Math.floor((at - t0) / 1000);
    seconds.set(second, [...(seconds.get(second) ?? []), took]);
  }
  const rows = [...seconds]
    .sort(([a], [b]) => a - b)
    .map(([second, took]) => {
      const sorted = took.sort((a, b) => a - b);
      return `${second}s ${sorted.length} p95 ${Math.round(sorted[Math.floor(sorted.length * 0.95)] ?? 0)}`;
    });
  console.log(`latency by second (calls started, p95 ms): ${rows.join(" | ")}`);
}

/** One value of a Prometheus text exposition, by its full series name (`name{labels}`). */
const seriesValue = (text: string, series: string) =>
  Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);

/**
 * The server's own view while measuring, once a second from its /metrics: how many callers waited
 * for a PostgreSQL or MongoDB connection, and its event loop's lag. Shows whether slow calls queued
 * for a pooled connection or for the server's one thread.
 */
function watchServer(url: string): () => { pgWaiting: number[]; mongoWaiting: number[]; lagP99Ms: number[] } {
  const seen = { pgWaiting: [] as number[], mongoWaiting: [] as number[], lagP99Ms: [] as number[] };
  const timer = setInterval(async () => {
    const res = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${serverEnv.METRICS_TOKEN}` },
    }).catch(() => null);
    if (!res?.ok) return;
    const text = await res.text();
    seen.pgWaiting.push(seriesValue(text, 'p2p_db_pool_connections{store="postgres",state="waiting"}'));
    seen.mongoWaiting.push(seriesValue(text, 'p2p_db_pool_connections{store="mongo",state="waiting"}'));
    seen.lagP99Ms.push(seriesValue(text, "nodejs_eventloop_lag_p99_seconds") * 1000);
  }, 1000);
  return () => {
    clearInterval(timer);
    return seen;
  };
}
const meanAndMax = (xs: number[]) => {
  const ok = xs.filter(Number.isFinite);
  return ok.length
    ? `${(ok.reduce((a, b) => a + b, 0) / ok.length).toFixed(1)} / ${Math.max(...ok).toFixed(0)}`
    : "n/a";
};

/** The operation whose share of the total weight `x` falls in. */
function pickWeighted(ops: Op[], x: number): Op {
  let left = x;
  for (const op of ops) {
    left -= op.weight;
    if (left < 0) return op;
  }
  return ops[0] as Op;
}

async function userLoop(user: User, ops: Op[], totalWeight: number): Promise<void> {
  const think = () => THINK_MIN + corpus.random() * (THINK_MAX - THINK_MIN);
  // Spread the first actions over one think time, so the users do not act in step.
  await sleep(corpus.random() * THINK_MAX);
  while (!stopping && ops.length) {
    const op = pickWeighted(ops, corpus.random() * totalWeight);
    const counted = measuring;
    const t0 = performance.now();
    const r = await op.run(user);
    const took = performance.now() - t0;
    // Every call issued in the measured window counts, however long it took: a call still running
    // when the window closed is its slowest kind (the report waits for it; a fetch times out at 60 s).
    if (counted) {
      timeline.push({ at: Date.now() - took, took });
      if (r.ok) latencies.record(op.name, took);
      else latencies.fail(op.name, r.error);
    }
    await sleep(think());
  }
}

// ---------------------------------------------------------------- run

async function main(): Promise<void> {
  servicesEnv();
  // The data of earlier runs goes: every run starts from the same fixture, in databases of its own.
  process.env.DATABASE_URL = await ensureDatabase(process.env.DATABASE_URL as string, "bench_load", { fresh: true });
  const mongo = await MongoClient.connect(process.env.MONGO_URL as string);
  await mongo.db(serverEnv.MONGO_DB).dropDatabase();
  await mongo.close();
  const profileDir = process.env.BENCH_PROFILE
    ? join(root, ".local", "bench-profiles", `load-${new Date().toISOString().replace(/[:.]/g, "-")}`)
    : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = await startServer({ port: PORT, env: serverEnv, log: "bench-load-server.log", profileDir });
  // The server's configuration, read the way it reads it (the fixture's own connections use it too).
  const config = loadConfig({ ...process.env, ...serverEnv, NODE_ENV: "development" });
  console.log("server settings:", serverEnv);
  console.log("request limits (per IP raised; per user at the defaults):", config.limits.requests, {
    ws: config.limits.ws,
    poolSize: config.postgres.poolSize,
  });
  const deps = await createDeps(config);
  try {
    const seedStart = Date.now();
    const { users, topics, categoryIds } = await fixture(server.url, deps);
    console.log(
      `seeded ${users.length} users, ${topics.length} topics in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    // Every user opens a socket and subscribes to one topic they may see (a few popular ones).
    const rampStart = Date.now();
    await inParallel(users.length, 50, async (i) => {
      const u = users[i] as User;
      const topic = u.topics[Math.floor(u.topics.length * corpus.random() ** 2)] as string;
      await subscribe(server.url, u, topic);
    });
    const subscribed = users.filter((u) => u.subscribed).length;
    counters.subscribeFailures = users.length - subscribed;
    console.log(
      `${subscribed} / ${users.length} subscriptions started in ${((Date.now() - rampStart) / 1000).toFixed(1)} s`,
    );

    const ops = operations(server.url, categoryIds).filter((o) => !ONLY || ONLY.includes(o.name));
    const totalWeight = ops.reduce((n, o) => n + o.weight, 0);
    const loops = users.map((u) => userLoop(u, ops, totalWeight));
    console.log(`warming up for ${WARMUP} s`);
    await sleep(WARMUP * 1000);

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const cpu0 = { server: cpuSeconds(server.pid), generator: process.cpuUsage() };
    measuring = true;
    loopDelay.enable();
    if (profileDir) process.kill(server.pid, "SIGUSR2");
    const t0 = Date.now();
    const stopWatching = watchServer(server.url);
    console.log(`measuring for ${SECONDS} s`);
    await sleep(SECONDS * 1000);
    measuring = false;
    const watched = stopWatching();
    const elapsed = (Date.now() - t0) / 1000;
    if (profileDir) process.kill(server.pid, "SIGUSR2");
    printTimeline(t0);
    loopDelay.disable();
    const gen = process.cpuUsage(cpu0.generator);
    const serverCpu = cpuSeconds(server.pid) - cpu0.server;
    const serverRss = rssMiB(server.pid);
    const openAtEnd = users.filter((u) => u.subscribed).length;
    stopping = true;
    await Promise.all(loops);
    for (const u of users) u.ws?.close();

    // ---------------------------------------------------------------- report
    const rows = ops.map((o) => latencies.figures(o.name));
    const all = latencies.all();
    const errors = all.errors + counters.wsErrors + counters.subscribeFailures;
    const line = (f: ReturnType<Latencies["figures"]>) =>
      `| ${f.name} | ${f.count} | ${(f.count / elapsed).toFixed(1)} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.errors}${f.firstError ? ` (first: ${f.firstError.replace(/\|/g, "/").slice(0, 120)})` : ""} |`;
    const settings = Object.entries(serverEnv)
      .filter(([k]) => !["REDIS_PREFIX", "MONGO_DB", "STORAGE_DRIVER", "STORAGE_DIR"].includes(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    const r = config.limits.requests;
    const text = [
      `\n### load, ${new Date().toISOString().slice(0, 16)}, ${users.length} users, ${elapsed.toFixed(0)} s measured (after ${WARMUP} s warm-up), think time ${THINK_MIN / 1000}–${THINK_MAX / 1000} s${profileDir ? ", server under the CPU profiler" : ""}`,
      "",
      `\`pnpm bench:load\` (bench/load.ts) at ${commit()} (+ working tree). Server: its own process, NODE_ENV=production, ${settings}; so the request limits were: per IP ${r.perIp.perSecond}/s and ${r.perIp.perMinute}/min (raised: every simulated user comes from 127.0.0.1), per user ${r.perPrincipal.perSecond}/s and ${r.perPrincipal.perMinute}/min (defaults), WebSocket ${config.limits.ws.callsPerSecond} calls/s and ${config.limits.ws.maxSubscriptions} subscriptions per connection (defaults); DATABASE_POOL_SIZE=${config.postgres.poolSize}.`,
      `Fixture: ${ORGS} organizations, ${users.length} users (admins signed up through the API, members written to PostgreSQL with sessions from the server's identity provider), ${topics.length} topics (a fifth organization-only) with ${REPLIES_PER_TOPIC} replies each, posted through the API before the run. Each user: one WebSocket with one \`forums.onTopic\` subscription (skewed towards a few popular topics), then one action per think time, over HTTP keep-alive (one load-generator process).`,
      "",
      "| operation | count | per s | p50 ms | p95 ms | p99 ms | max ms | errors |",
      "|---|---|---|---|---|---|---|---|",
      ...rows.map(line),
      line(all),
      "",
      "| target | result | met |",
      "|---|---|---|",
      `| p95 < ${TARGET.p95} ms (all operations) | ${ms(all.p95)} ms | ${met(all.p95 < TARGET.p95)} |`,
      `| p99 < ${TARGET.p99} ms (all operations) | ${ms(all.p99)} ms | ${met(all.p99 < TARGET.p99)} |`,
      `| zero errors (calls, subscriptions, sockets) | ${all.errors} failed calls, ${counters.subscribeFailures} subscriptions not started, ${counters.wsErrors} socket/subscription errors${counters.wsFirstError ? ` (first: ${counters.wsFirstError.replace(/\|/g, "/").slice(0, 120)})` : ""} | ${met(errors === 0)} |`,
      `| live subscriptions open for the whole run | ${openAtEnd} / ${users.length} at the end | ${met(openAtEnd === users.length)} |`,
      `| ≥ 60 s measured | ${elapsed.toFixed(0)} s | ${met(elapsed >= 60)} |`,
      "",
      `Events received by the subscribers while measuring: ${counters.events} (${counters.postEvents} new posts). Server CPU ${((serverCpu / elapsed) * 100).toFixed(0)} % of a core${all.count ? ` (${((serverCpu * 1e6) / all.count).toFixed(0)} µs an operation)` : ""}, RSS ${serverRss.toFixed(0)} MiB at the end; load generator CPU ${(((gen.user + gen.system) / 1e6 / elapsed) * 100).toFixed(0)} % of a core, its event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms (latencies include it). Load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} (${cpus().length} cores, shared by the server, the stores and the load generator).`,
      `The server's metrics once a second (mean / max): callers waiting for a PostgreSQL connection ${meanAndMax(watched.pgWaiting)} (pool of ${config.postgres.poolSize}), for a MongoDB connection ${meanAndMax(watched.mongoWaiting)}; event-loop lag p99 ${meanAndMax(watched.lagP99Ms)} ms.`,
      "",
    ].join("\n");
    appendResults(text);

    if (profileDir) {
      await sleep(2_000);
      const file = join(profileDir, "1.cpuprofile");
      appendResults(
        `\n${summaryMarkdown("server over the measured window (self time)", summarize(file, Number(process.env.BENCH_PROFILE_TOP ?? 20)))}\n(profile: ${file.replace(root, "")})\n`,
      );
    }
  } finally {
    stopping = true;
    await server.stop();
    await dropRedisKeys(deps.redis.command, serverEnv.REDIS_PREFIX as string);
    await closeDeps(deps);
  }
}

await runMain(main);
