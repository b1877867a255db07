/**
 * Authenticated tRPC read vs a plain Hono JSON route, side by side on the same server and machine.
 * Target (docs/architecture.md): the authenticated read (session check + one indexed query) reaches at
 * least half the requests/second of the plain route.
 *
 *   set -a; eval "$(bash scripts/services.sh env)"; set +a; pnpm --filter @p2p/bench auth-read
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import autocannon from "autocannon";
import { signUpBenchAdmin } from "./sign-up";

const PORT = 3999;
const url = `http://127.0.0.1:${PORT}`;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);

function startServer(): ChildProcess {
  return spawn("pnpm", ["--filter", "@p2p/server", "start"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(PORT),
      LOG_LEVEL: "warn",
      REDIS_PREFIX: "bench:",
      MONGO_DB: "bench",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      // One client from one IP: the general request limit must not refuse it.
      RATE_LIMIT_PER_IP_PER_SECOND: "1000000000",
      RATE_LIMIT_PER_IP_PER_MINUTE: "1000000000",
      RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000000000",
      RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: "1000000000",
    },
    stdio: "inherit",
    detached: true,
  });
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (
      await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("server did not become ready");
}

async function run(title: string, path: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url: `${url}${path}`, connections: 50, duration: DURATION_S, headers });
  if (result.non2xx || result.errors) throw new Error(`${title}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { title, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99 };
}

const server = startServer();
try {
  await waitReady();
  const token = await signUpBenchAdmin(url, "Bench Org");
  await run("warm-up", "/health");
  const plain = await run("plain Hono JSON route (GET /health)", "/health");
  const authed = await run("authenticated tRPC read (GET /trpc/auth.me)", "/trpc/auth.me", {
    authorization: `Bearer ${token}`,
  });
  const ratio = authed.rps / plain.rps;
  const rows = [plain, authed].map((r) => `| ${r.title} | ${r.rps} | ${r.p50} | ${r.p99} |`);
  const table = [
    `\n### auth-read, ${new Date().toISOString().slice(0, 16)}, ${DURATION_S}s, 50 connections`,
    "| route | req/s | p50 ms | p99 ms |",
    "|---|---|---|---|",
    ...rows,
    `\nauthenticated / plain = ${ratio.toFixed(2)} (target ≥ 0.50): ${ratio >= 0.5 ? "met" : "NOT met"}\n`,
  ].join("\n");
  console.log(table);
  appendFileSync(new URL("./RESULTS.md", import.meta.url), table);
} finally {
  if (server.pid) process.kill(-server.pid, "SIGTERM");
}
