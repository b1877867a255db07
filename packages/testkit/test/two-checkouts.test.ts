/**
 * Two checkouts of the repository on one machine (a second clone, a worktree): the second one's
 * `scripts/services.sh up`, while the first one's services hold the ports, used to find them
 * answering and then fail on a PostgreSQL socket of its own that does not exist. Now it says whose
 * the ports are and what to do, and exits 3, before installing or starting anything.
 *
 * A "checkout" here is a temporary folder with a copy of scripts/services.sh (it finds its
 * repository from its own path); the services the first one holds are an instance of their own
 * (SERVICES_INSTANCE, free ports), so the shared services are never touched.
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { localInstanceSupport, repoRoot } from "@p2p/testkit";
import { afterAll, describe, expect, it } from "vitest";

interface Run {
  code: number;
  output: string;
}

/** scripts/services.sh of checkout `dir`, with only the given SERVICES_* variables set. */
function services(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SERVICES_")));
  return new Promise((done) => {
    execFile(
      "bash",
      [join(dir, "scripts/services.sh"), ...args],
      { env: { ...base, ...env }, encoding: "utf8", timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        done({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

const dirs: string[] = [];
/** A checkout: a folder with scripts/services.sh, traversable by the postgres OS user. */
function checkout(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `p2p-${tag}-`));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "scripts"));
  copyFileSync(resolve(repoRoot, "scripts/services.sh"), join(dir, "scripts/services.sh"));
  dirs.push(dir);
  return dir;
}

const portFree = (port: number) =>
  new Promise<boolean>((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });

/** Four free consecutive ports (what an instance uses), below the ephemeral range. */
async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral ports (32768–60999): there an outgoing connection (FerretDB's to
    // PostgreSQL, say) can take a port between this check and the service's start.
    const base = 24_000 + Math.floor(Math.random() * 870) * 10;
    const free = await Promise.all([0, 1, 2, 3].map((i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error("no four free consecutive ports");
}

const stopFirst: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stopFirst) await stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("scripts/services.sh in a second checkout", () => {
  const support = localInstanceSupport();

  it("says whose services hold the ports and what to do, exits 3, and leaves them alone", async (ctx) => {
    if (!support.ok) return ctx.skip(`scripts/services.sh cannot start services here: ${support.reason}`);
    const first = checkout("first");
    const second = checkout("second");
    const instance = "two-checkouts";
    const base = await freePortBase();
    const env = { SERVICES_INSTANCE: instance, SERVICES_PORT_BASE: String(base) };
    stopFirst.push(() => services(first, ["down"], env));

    // The first checkout's services run on those ports (its FerretDB and versitygw binaries are
    // this repository's, as an instance's are). Each `start` returns once its service answers: a
    // spawned server must not keep the caller's output open.
    mkdirSync(join(first, ".local"));
    symlinkSync(resolve(repoRoot, ".local/bin"), join(first, ".local/bin"));
    for (const svc of ["postgres", "redis", "ferretdb", "versitygw"]) {
      const started = await services(first, ["start", svc], env);
      expect(started.code, started.output).toBe(0);
    }
    const state = join(first, ".local/instances", instance);

    const up = await services(second, ["up"], env);
    expect(up.code, up.output).toBe(3);
    expect(up.output).toMatch(
      new RegExp(`port ${base} is used by another checkout's PostgreSQL \\(${state}/pg, pid \\d+\\)`),
    );
    expect(up.output).toMatch(
      new RegExp(`port ${base + 1} is used by another checkout's Redis \\(${state}/redis, pid \\d+\\)`),
    );
    expect(up.output).toMatch(
      new RegExp(`port ${base + 2} is used by another checkout's FerretDB \\(${state}, pid \\d+\\)`),
    );
    expect(up.output).toMatch(
      new RegExp(`port ${base + 3} is used by another checkout's versitygw \\(${state}/s3data, pid \\d+\\)`),
    );
    expect(up.output).toContain(
      `Stop them with \`SERVICES_INSTANCE=${instance} bash ${first}/scripts/services.sh down\``,
    );
    expect(up.output).toContain(
      "give this checkout its own ports: `SERVICES_INSTANCE=<name> bash scripts/services.sh up`",
    );
    // Nothing was attempted (no psql, no initdb, no data dir).
    expect(up.output).not.toMatch(/psql|initdb|starting/);
    expect(existsSync(join(second, ".local/instances", instance, "pg"))).toBe(false);

    // `start` of one service checks that service's port.
    const start = await services(second, ["start", "redis"], env);
    expect(start.code, start.output).toBe(3);
    expect(start.output).toContain(`port ${base + 1} is used by another checkout's Redis`);
    expect(start.output).not.toContain(`port ${base} `);

    // `down` in the second checkout does not stop the first one's services (it used to SHUTDOWN
    // whatever Redis answered on its port).
    const down = await services(second, ["down"], env);
    expect(down.code, down.output).toBe(0);
    const status = await services(first, ["status"], env);
    expect(status.code, status.output).toBe(0);

    // The first checkout sees its own services as its own.
    const again = await services(first, ["start", "redis"], env);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain("redis already running");
  }, 90_000); // four services start on a machine busy with other test files

  it("names this checkout when its services hold the default ports", async (ctx) => {
    // The shared services of this run, when scripts/services.sh of this repository runs them.
    const pidfile = resolve(repoRoot, ".local/pg/postmaster.pid");
    const [pid, , , port] = existsSync(pidfile) ? readFileSync(pidfile, "utf8").split("\n") : [];
    const alive = (() => {
      try {
        return port?.trim() === "55432" && process.kill(Number(pid), 0);
      } catch {
        return false;
      }
    })();
    if (!alive) return ctx.skip("this checkout's PostgreSQL does not run on the default port 55432");

    // Only `up` (which stops at the check) runs in the second checkout: never its `down` here.
    const up = await services(checkout("clone"), ["up"]);
    expect(up.code, up.output).toBe(3);
    expect(up.output).toMatch(
      new RegExp(`port 55432 is used by another checkout's PostgreSQL \\(${repoRoot}/\\.local/pg, pid ${pid}\\)`),
    );
    expect(up.output).toContain(`Stop them with \`bash ${repoRoot}/scripts/services.sh down\``);
  });
});
