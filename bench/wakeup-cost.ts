/**
 * What a request costs a process on this machine by how often requests come, with nothing of ours
 * in the way (issue 11, the 1,000-user load): the bare node:http ceiling (ceilings/bare-http.ts)
 * answering requests sent at fixed rates (open loop, one at a time as they fall due) and then as
 * fast as it can (50 connections, closed loop), its CPU per request read from /proc. On a machine
 * where waking a sleeping process is dear (a microVM's virtual CPUs), a request that arrives alone
 * costs several times one that arrives while the process is busy; the same holds for every store
 * a call waits for.
 *
 *   eval "$(bash scripts/bootstrap.sh)"; flock /tmp/bench.lock pnpm bench:wakeup
 *
 * Prints a table (not appended to RESULTS.md). Env: BENCH_SECONDS (8 per rate), BENCH_PORT (4391).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, get } from "node:http";
import { join } from "node:path";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 4391);
const RATES = [100, 200, 500, 1_000, 2_000];

const server = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "ceilings", "bare-http.ts")], {
  env: { ...process.env, PORT: String(PORT) },
  stdio: ["ignore", "pipe", "inherit"],
});
await new Promise((ready) => server.stdout.once("data", ready));

/** The server's CPU time so far, in seconds (utime + stime, 100 ticks a second). */
function cpuSeconds(): number {
  const fields = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const agent = new Agent({ keepAlive: true, maxSockets: 50 });
const request = () =>
  new Promise<void>((done, fail) =>
    get({ host: "127.0.0.1", port: PORT, path: "/", agent }, (res) => res.resume().on("end", done)).on("error", fail),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `rate` requests a second, each sent when it falls due; answers the number answered. */
async function openLoop(rate: number): Promise<number> {
  let answered = 0;
  const sent: Promise<void>[] = [];
  const end = performance.now() + SECONDS * 1000;
  for (let due = performance.now(); due < end; due += 1000 / rate) {
    sent.push(request().then(() => void answered++));
    const wait = due + 1000 / rate - performance.now();
    if (wait > 0) await sleep(wait); // behind: the next is due already
  }
  await Promise.all(sent);
  return answered;
}

/** 50 connections, each sending its next request when the last is answered. */
async function closedLoop(): Promise<number> {
  let answered = 0;
  const end = performance.now() + SECONDS * 1000;
  const connection = async () => {
    while (performance.now() < end) {
      await request();
      answered++;
    }
  };
  await Promise.all(Array.from({ length: 50 }, connection));
  return answered;
}

const rows: string[] = [];
async function measure(label: string, run: () => Promise<number>) {
  const cpu = cpuSeconds();
  const started = performance.now();
  const answered = await run();
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSeconds() - cpu;
  rows.push(
    `| ${label} | ${(answered / seconds).toFixed(0)} | ${((100 * used) / seconds).toFixed(1)} % | ${((1e6 * used) / answered).toFixed(0)} |`,
  );
}

await closedLoop(); // warm-up
for (const rate of RATES) await measure(`${rate} a second, each alone`, () => openLoop(rate));
await measure("as fast as it answers (50 connections)", closedLoop);
server.kill();
agent.destroy();
console.log(
  [
    `\n### wake-up cost, ${new Date().toISOString().slice(0, 16)}, bare node:http, ${SECONDS} s per rate\n`,
    "| requests | answered a second | server CPU (of a core) | server CPU µs a request |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n"),
);
