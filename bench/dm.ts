/**
 * Direct messages with 1,000 people online (issue 12), on a production server started here as its
 * own process: every user has their personal stream open (`me.onEvents`, one WebSocket each), then
 * messages go from random users to random other users at a steady rate, and the time from the
 * send call to the recipient's socket receiving `message.new` is measured.
 * Target: send → recipient receives, p99 < 100 ms.
 *
 *   pnpm bench:dm     BENCH_DM_USERS (1000), BENCH_DM_RATE (messages per second, 50), BENCH_DM_SECONDS (30)
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { type AppDeps, closeDeps, createDeps, loadConfig } from "@p2p/api";
import WebSocket from "ws";
import {
  appendResults,
  benchMembers,
  call,
  commit,
  cpuSeconds,
  dropRedisKeys,
  inParallel,
  Latencies,
  met,
  ms,
  rssMiB,
  runMain,
  servicesEnv,
  sleep,
  startServer,
} from "./harness";
import { signUpBenchAdmin } from "./sign-up";

const USERS = Number(process.env.BENCH_DM_USERS ?? 1000);
const RATE = Number(process.env.BENCH_DM_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_DM_SECONDS ?? 30);
const WARMUP = 5;
const PORT = 3996;

const serverEnv: Record<string, string> = {
  LOG_LEVEL: "warn",
  REDIS_PREFIX: `bench-dm:${Date.now()}:`,
  MONGO_DB: "bench-dm",
  PASSWORD_HASH_MEMORY_KIB: "1024",
  // One sender may send often here; the limits are not what is measured.
  MESSAGES_PER_10_SECONDS: "100000",
  MESSAGES_PER_HOUR: "1000000",
  RATE_LIMIT_PER_IP_PER_SECOND: "1000000",
  RATE_LIMIT_PER_IP_PER_MINUTE: "10000000",
};

interface User {
  userId: string;
  token: string;
  ws?: WebSocket;
  online: boolean;
}

const latencies = new Latencies();
/** When each measured message's send call started, by its number. */
const sentAt = new Map<number, number>();
const counters = { received: 0, wsErrors: 0, firstWsError: "" };
let stopping = false;

async function fixture(url: string, deps: AppDeps): Promise<User[]> {
  const adminToken = await signUpBenchAdmin(url, "Bench DM Org");
  const me = await call(url, adminToken, "query", "auth.me");
  if (!me.ok) throw new Error(`auth.me: ${me.error}`);
  const { user, organization } = me.data as { user: { id: string }; organization: { id: string } };
  const members = await benchMembers(deps, [organization.id], USERS - 1, "Dm");
  return [
    { userId: user.id, token: adminToken, online: false },
    ...members.map((m) => ({ userId: m.userId, token: m.token, online: false })),
  ];
}

/** The user's personal stream on their own socket (tRPC's WebSocket wire format). */
function goOnline(url: string, user: User): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/trpc`, {
      headers: { authorization: `Bearer ${user.token}` },
      perMessageDeflate: false,
    });
    user.ws = ws;
    const fail = (why: string) => {
      if (stopping) return;
      counters.wsErrors++;
      counters.firstWsError ||= why;
      resolve();
    };
    const mine = `"recipientId":"${user.userId}"`;
    ws.once("open", () =>
      ws.send(JSON.stringify({ id: 1, method: "subscription", params: { path: "me.onEvents", input: { json: {} } } })),
    );
    ws.on("message", (data) => {
      const raw = data.toString();
      if (raw === "PING") return ws.send("PONG");
      if (raw.includes('"type":"started"')) {
        user.online = true;
        return resolve();
      }
      if (raw.includes('"error"')) return fail(`subscription error: ${raw.slice(0, 200)}`);
      // The recipient's copy of a measured message (the sender's own stream gets one too).
      if (!raw.includes('"type":"message.new"') || !raw.includes(mine)) return;
      const n = Number(raw.match(/bench dm (\d+)/)?.[1]);
      const started = sentAt.get(n);
      if (started === undefined) return;
      sentAt.delete(n);
      counters.received++;
      latencies.record("send → recipient receives", performance.now() - started);
    });
    ws.on("error", (err) => fail(`socket error: ${err.message}`));
    ws.on("close", (code) => {
      user.online = false;
      fail(`socket closed (${code})`);
    });
  });
}

async function main(): Promise<void> {
  servicesEnv();
  const server = await startServer({ port: PORT, env: serverEnv, log: "bench-dm-server.log" });
  const config = loadConfig({ ...process.env, ...serverEnv, NODE_ENV: "development" });
  const deps = await createDeps(config);
  try {
    const users = await fixture(server.url, deps);
    await inParallel(users.length, 50, (i) => goOnline(server.url, users[i] as User));
    const online = users.filter((u) => u.online).length;
    console.log(`${online} / ${users.length} users online`);

    // Steady sends from random users to random others; the first seconds warm up unmeasured.
    let n = 0;
    const inFlight: Promise<void>[] = [];
    const sendOne = async (measured: boolean) => {
      const k = ++n;
      const from = users[Math.floor(Math.random() * users.length)] as User;
      let to = users[Math.floor(Math.random() * users.length)] as User;
      if (to === from) to = users[(users.indexOf(from) + 1) % users.length] as User;
      const t0 = performance.now();
      if (measured) sentAt.set(k, t0);
      const result = await call(server.url, from.token, "mutation", "messages.send", {
        recipientId: to.userId,
        body: `bench dm ${measured ? k : 0}`,
        clientMessageId: `bench-${k}-${randomUUID()}`,
      });
      if (!measured) return;
      if (result.ok) latencies.record("messages.send (call)", performance.now() - t0);
      else {
        sentAt.delete(k);
        latencies.fail("messages.send (call)", result.error);
      }
    };
    const cpu0 = { server: 0, at: 0 };
    const total = (WARMUP + SECONDS) * RATE;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const measured = i >= WARMUP * RATE;
      if (i === WARMUP * RATE) {
        cpu0.server = cpuSeconds(server.pid);
        cpu0.at = performance.now();
      }
      inFlight.push(sendOne(measured));
      const due = t0 + ((i + 1) * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(inFlight);
    await sleep(2_000);
    const elapsed = (performance.now() - cpu0.at) / 1000;
    const serverCpu = cpuSeconds(server.pid) - cpu0.server;
    const lost = sentAt.size;
    stopping = true;
    for (const u of users) u.ws?.close();

    const delivery = latencies.figures("send → recipient receives");
    const sends = latencies.figures("messages.send (call)");
    const row = (f: typeof delivery) =>
      `| ${f.name} | ${f.count} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.errors} |`;
    const text = [
      `### direct messages, ${new Date().toISOString().slice(0, 16)}, ${online} users online, ${RATE} messages/s for ${SECONDS} s (after ${WARMUP} s warm-up), NODE_ENV=production`,
      "",
      `\`pnpm bench:dm\` at ${commit()}. One WebSocket per user with \`me.onEvents\` open; each message goes from a random user to a random other user over HTTP (\`messages.send\`), and its latency is from the send call to the recipient's socket receiving \`message.new\`.`,
      "",
      "| what | count | p50 ms | p95 ms | p99 ms | max ms | errors |",
      "|---|---|---|---|---|---|---|",
      row(delivery),
      row(sends),
      "",
      "| target | measured | met? |",
      "|---|---|---|",
      `| send → recipient receives, p99 < 100 ms with 1,000 users online | ${ms(delivery.p99)} ms with ${online} online | ${met(delivery.p99 < 100 && online >= 1000)} |`,
      `| every message arrives, no errors | ${lost} not received, ${sends.errors} failed sends, ${counters.wsErrors} socket errors${counters.firstWsError ? ` (first: ${counters.firstWsError.slice(0, 100)})` : ""} | ${met(lost === 0 && sends.errors === 0 && counters.wsErrors === 0)} |`,
      "",
      `Server CPU ${((serverCpu / elapsed) * 100).toFixed(0)} % of a core while measuring, RSS ${rssMiB(server.pid).toFixed(0)} MiB; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} (2 cores, the load generator on the same machine).`,
      "",
    ].join("\n");
    console.log(text);
    appendResults(text);
  } finally {
    stopping = true;
    await server.stop();
    await dropRedisKeys(deps.redis.command, serverEnv.REDIS_PREFIX as string);
    await closeDeps(deps);
  }
}

await runMain(main);
