/**
 * The fault suite's machinery: the API server as a separate OS process, a signed-in user's load
 * (forum posts, uploads, a per-store probe), a live subscriber, and the readiness poller. Every
 * call is recorded with when it started and ended and how it answered, so the test can judge each
 * one against the moment the store was killed and restarted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import type { P2PClient } from "@p2p/client";
import type { TopicEvent } from "@p2p/schemas";
import { repoRoot, serverNodeArgs, testClient } from "@p2p/testkit";
import { TRPCClientError } from "@trpc/client";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolvePort(port));
      });
  });
}

// ------------------------------------------------------------------------------ the server process

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Every exit of this process (empty while it lives). */
  exits: ServerExit[];
  alive(): boolean;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The last lines of a log file, for failure messages. */
export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return "";
  const size = statSync(file).size;
  const text = readFileSync(file, "utf8").slice(Math.max(0, size - 20_000));
  return text.split("\n").slice(-lines).join("\n");
}

/** Kills a server left behind by an earlier run that died before its afterAll (pid file, same entry point). */
export function killStaleServer(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (cmdline.includes("apps/server/src/main.ts")) process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/**
 * The server as `pnpm --filter @p2p/server start` runs it (node, its flags, apps/server/src/main.ts),
 * with exactly `env` plus PATH and HOME; output appended to `logFile`. Resolves once /health answers.
 */
export async function startServerProcess(opts: {
  env: Record<string, string>;
  port: number;
  logFile: string;
  pidFile: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...serverNodeArgs, "apps/server/src/main.ts"], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/root",
        ...opts.env,
        HOST: "127.0.0.1",
        PORT: String(opts.port),
      },
      stdio: ["ignore", out, out],
    });
  } finally {
    closeSync(out);
  }
  const pid = child.pid;
  if (!pid) throw new Error("could not start the server process");
  writeFileSync(opts.pidFile, String(pid));
  const exits: ServerExit[] = [];
  child.on("exit", (code, signal) => exits.push({ code, signal, at: Date.now() }));
  // Never outlive the test worker, even when it ends without its afterAll.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    if (exits.length) {
      throw new Error(`the server exited while starting (${JSON.stringify(exits[0])}):\n${tail(opts.logFile)}`);
    }
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not answer /health in time:\n${tail(opts.logFile)}`);
    }
    await sleep(200);
  }
  return {
    url,
    pid,
    exits,
    alive: () => exits.length === 0,
    async stop(graceMs = 10_000) {
      process.removeListener("exit", killOnExit);
      if (exits.length) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** This process's start time (in clock ticks since boot), to tell it from a later one with the same pid. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * The first instance name (`base`, `base-2`, …) no live test process owns, claimed for this one:
 * two test runs in the same checkout (two engineers, or CI and a developer) must not kill each
 * other's services. The claim is a file holding the owner's pid and start time; a claim whose owner
 * is gone is stale and taken over.
 */
export interface InstanceClaim {
  name: string;
  /** The claim file and what it holds while this process owns it. */
  file: string;
  token: string;
  release(): void;
}

export function claimInstance(base: string, max = 8): InstanceClaim {
  const dir = resolve(repoRoot, ".local/instances");
  mkdirSync(dir, { recursive: true });
  const me = `${process.pid} ${startTime(process.pid)}`;
  for (let i = 1; i <= max; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const file = resolve(dir, `${name}.owner`);
    try {
      writeFileSync(file, me, { flag: "wx" });
    } catch {
      const [pid, started] = readFileSync(file, "utf8").trim().split(" ");
      if (pid && started && startTime(Number(pid)) === started) continue; // owned by a live run
      writeFileSync(file, me); // stale: its owner died without releasing it
    }
    return {
      name,
      file,
      token: me,
      release() {
        try {
          if (readFileSync(file, "utf8") === me) unlinkSync(file);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new Error(`all ${max} fault-suite instances are owned by running test processes`);
}

/**
 * A detached shell that outlives this test process: when the process ends without its afterAll
 * (killed, timed out), it kills the server and stops the instance's services, so an aborted run
 * leaves nothing running; unless another run claimed the instance meanwhile. `stop()` ends it
 * after a normal cleanup.
 */
export function startWatchdog(opts: { claim: InstanceClaim; pidFile: string }): { stop(): void } {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done
    [[ "$(cat "$2" 2>/dev/null)" == "$3" ]] || exit 0
    pid="$(cat "$1" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q apps/server/src/main.ts; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    SERVICES_INSTANCE="$4" bash "$5" down
    [[ "$(cat "$2" 2>/dev/null)" == "$3" ]] && rm -f "$2"`;
  const { claim } = opts;
  const child = spawn(
    "bash",
    [
      "-c",
      script,
      "watchdog",
      opts.pidFile,
      claim.file,
      claim.token,
      claim.name,
      resolve(repoRoot, "scripts/services.sh"),
    ],
    { detached: true, stdio: "ignore" },
  );
  child.unref();
  return {
    stop() {
      if (child.pid && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    },
  };
}

// ------------------------------------------------------------------------------ calls and outcomes

export type Op = "post" | "probe" | "upload";

/** One call and how it answered. `status` 0: no HTTP answer (connection refused, reset, timeout). */
export interface Call {
  op: Op;
  start: number;
  end: number;
  ok: boolean;
  status: number;
  /** tRPC code (e.g. SERVICE_UNAVAILABLE) or, on plain-HTTP routes, the app code. */
  code?: string;
  appCode?: string;
  /** The Retry-After header, where the call saw HTTP headers (raw requests; undefined through the client). */
  retryAfter?: string | null;
  detail?: string;
  /** What was written (post or file id) when acknowledged. */
  id?: string;
}

/** The answer every call to a dead store must give. */
export function isStoreUnavailable(c: Call): boolean {
  if (c.ok || c.status !== 503 || c.appCode !== "STORE_UNAVAILABLE") return false;
  if (c.code !== undefined && c.code !== "SERVICE_UNAVAILABLE" && c.code !== "STORE_UNAVAILABLE") return false;
  // Seen through raw HTTP: the header must say when to come back.
  if (c.retryAfter !== undefined && !(c.retryAfter && /^\d+$/.test(c.retryAfter) && Number(c.retryAfter) > 0)) {
    return false;
  }
  return true;
}

export const describeCall = (c: Call) =>
  c.ok
    ? "ok"
    : `${c.status || "no answer"} ${c.code ?? ""}/${c.appCode ?? ""}${c.retryAfter === undefined ? "" : ` retry-after=${c.retryAfter}`}${c.detail ? ` (${c.detail.slice(0, 80)})` : ""}`;

/** A client call's failure as a Call. */
function fromClientError(err: unknown): Pick<Call, "status" | "code" | "appCode" | "detail"> {
  if (err instanceof TRPCClientError) {
    const data = err.data as { code?: string; appCode?: string; httpStatus?: number } | undefined;
    if (data?.httpStatus)
      return { status: data.httpStatus, code: data.code, appCode: data.appCode, detail: err.message };
    return { status: 0, detail: `${err.message}${err.cause ? `: ${String(err.cause)}` : ""}` };
  }
  return { status: 0, detail: String(err) };
}

/** A raw HTTP answer (tRPC or plain route) as a Call. */
async function fromResponse(
  res: Response,
): Promise<Pick<Call, "status" | "code" | "appCode" | "detail" | "retryAfter">> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  // tRPC with superjson: { error: { json: { message, data: { code, appCode, httpStatus } } } };
  // plain routes: { error: { code, message } }.
  const trpc = ((error?.json as Record<string, unknown> | undefined)?.data ?? error?.data) as
    | { code?: string; appCode?: string }
    | undefined;
  return {
    status: res.status,
    code: trpc?.code ?? (error?.code as string | undefined),
    appCode: trpc?.appCode ?? (error?.code as string | undefined),
    retryAfter: res.headers.get("retry-after"),
    detail: res.ok ? undefined : text.slice(0, 200),
  };
}

const CALL_TIMEOUT_MS = 8_000;

export async function clientCall<T>(op: Op, run: (signal: AbortSignal) => Promise<T>, idOf: (v: T) => string) {
  const start = Date.now();
  try {
    const value = await run(AbortSignal.timeout(CALL_TIMEOUT_MS));
    return { op, start, end: Date.now(), ok: true, status: 200, id: idOf(value) } satisfies Call;
  } catch (err) {
    return { op, start, end: Date.now(), ok: false, ...fromClientError(err) } satisfies Call;
  }
}

export async function rawCall(op: Op, url: string, init: RequestInit, idOf?: (body: unknown) => string) {
  const start = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    if (res.ok) {
      const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.arrayBuffer();
      return { op, start, end: Date.now(), ok: true, status: res.status, id: idOf?.(body) } satisfies Call;
    }
    return { op, start, end: Date.now(), ok: false, ...(await fromResponse(res)) } satisfies Call;
  } catch (err) {
    return { op, start, end: Date.now(), ok: false, status: 0, detail: String(err) } satisfies Call;
  }
}

// ------------------------------------------------------------------------------ the signed-in user

export interface User {
  token: string;
  userId: string;
  client: P2PClient;
}

export async function signUpOverHttp(url: string, tag: string): Promise<User> {
  const email = `faults.${tag}.${Date.now().toString(36)}@example.com`;
  const password = "correct horse battery staple";
  const anonymous = testClient(url);
  await anonymous.auth.signUp.mutate({
    email,
    password,
    firstName: "Fay",
    lastName: "Ult",
    organization: {
      name: `Faults ${tag} ${randomBytes(3).toString("hex")}`,
      industry: "manufacturing",
      size: "11-50",
      country: "SA",
      city: "Riyadh",
    },
  });
  // The mail is written by a job of the server's worker; a development server shows it at /dev/outbox.
  let token: string | undefined;
  for (let i = 0; i < 150 && !token; i++) {
    const mails = (await (await fetch(`${url}/dev/outbox?to=${encodeURIComponent(email)}`)).json()) as {
      subject: string;
      text: string;
    }[];
    token = mails
      .find((m) => m.subject === "Confirm your email address")
      ?.text.match(/[?&]token=([A-Za-z0-9_.-]+)/)?.[1];
    if (!token) await sleep(100);
  }
  if (!token) throw new Error(`no sign-up mail to ${email}`);
  const session = await anonymous.auth.completeSignUp.mutate({ token, password, tokenType: "bearer" });
  anonymous.close();
  if (!session.token) throw new Error("no bearer token");
  return { token: session.token, userId: session.user.id, client: testClient(url, { token: session.token }) };
}

/** Every post of a topic visible through forums.listPosts (all pages), in order, duplicates kept. */
export async function listAllPostIds(client: P2PClient, topicId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.forums.listPosts.query({ topicId, cursor, limit: 100 });
    for (const post of page.items) {
      ids.push(post.id);
      for (const reply of (post as { replies?: { id: string }[] }).replies ?? []) ids.push(reply.id);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

// ------------------------------------------------------------------------------ load

export interface Upload {
  id: string;
  sha256: string;
}

export interface Load {
  calls: Call[];
  uploads: Upload[];
  /** Stops starting calls and waits for those in flight. */
  stop(): Promise<void>;
}

/**
 * Two writers creating posts back to back, an uploader, and a probe fired on a fixed beat (not
 * waiting for the previous one, so a hanging store cannot hide the calls made during the outage).
 */
export function startLoad(opts: {
  url: string;
  user: User;
  topicId: string;
  label: string;
  probe: () => Promise<Call>;
}): Load {
  const calls: Call[] = [];
  const uploads: Upload[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let running = true;
  let n = 0;
  const track = <T>(p: Promise<T>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  const writer = async () => {
    const client = testClient(opts.url, { token: opts.user.token });
    while (running) {
      const body = `<p>${opts.label} post ${++n}</p>`;
      const call = await track(
        clientCall(
          "post",
          (signal) => client.forums.createPost.mutate({ topicId: opts.topicId, body }, { signal }),
          (post) => post.id,
        ),
      );
      calls.push(call);
      await sleep(call.ok ? 30 : 100);
    }
    client.close();
  };

  const uploader = async () => {
    let i = 0;
    while (running) {
      const bytes = Buffer.from(`${opts.label} file ${++i} ${randomBytes(16).toString("hex")}\n`.repeat(20));
      const call = await track(
        rawCall(
          "upload",
          `${opts.url}/files?name=${encodeURIComponent(`${opts.label}-${i}.txt`)}`,
          {
            method: "POST",
            headers: { authorization: `Bearer ${opts.user.token}`, "content-type": "text/plain" },
            body: bytes,
          },
          (body) => (body as { id: string }).id,
        ),
      );
      calls.push(call);
      if (call.ok && call.id) uploads.push({ id: call.id, sha256: createHash("sha256").update(bytes).digest("hex") });
      await sleep(call.ok ? 150 : 250);
    }
  };

  const prober = async () => {
    while (running) {
      if (inFlight.size < 40) void track(opts.probe().then((c) => calls.push(c)));
      await sleep(250);
    }
  };

  const loops = [writer(), writer(), uploader(), prober()];
  return {
    calls,
    uploads,
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.allSettled([...inFlight]);
    },
  };
}

// ------------------------------------------------------------------------------ a live subscriber

export interface Subscriber {
  /** post.created events, in arrival order. */
  created: string[];
  /** Post ids learned from a refetch after a resync event. */
  resynced: Set<string>;
  /** Ids of backlog events (not typing, presence or resync), in arrival order. */
  eventIds: string[];
  resyncs: number;
  /** Times the subscription ended with 503 STORE_UNAVAILABLE and was opened again from its last id. */
  resubscribes: number;
  /** Any other way the subscription failed. */
  errors: string[];
  /** The server ended the subscription (not an error). */
  ended: boolean;
  ready(): Promise<void>;
  close(): void;
}

/**
 * forums.onTopic through @p2p/client, as a real client uses it: the WebSocket reconnects and
 * resumes by itself; a subscription ended by 503 STORE_UNAVAILABLE is opened again from its last
 * event id; a `resync` event makes it refetch the topic's posts.
 */
export function subscribe(url: string, user: User, topicId: string): Subscriber {
  const client = testClient(url, { token: user.token });
  const reader = testClient(url, { token: user.token });
  let seenSelf = false;
  let closed = false;
  let lastEventId: string | null = null;
  const s: Subscriber = {
    created: [],
    resynced: new Set(),
    eventIds: [],
    resyncs: 0,
    resubscribes: 0,
    errors: [],
    ended: false,
    async ready() {
      const deadline = Date.now() + 15_000;
      while (!seenSelf) {
        if (s.errors.length) throw new Error(`the subscription failed: ${s.errors[0]}`);
        if (Date.now() > deadline) throw new Error("the subscriber's own presence never arrived");
        await sleep(20);
      }
    },
    close() {
      closed = true;
      sub.unsubscribe();
      client.close();
      reader.close();
    },
  };
  const refetch = async () => {
    for (let attempt = 0; attempt < 50 && !closed; attempt++) {
      try {
        for (const id of await listAllPostIds(reader, topicId)) s.resynced.add(id);
        return;
      } catch {
        await sleep(200);
      }
    }
  };
  const open = () =>
    client.forums.onTopic.subscribe(
      { topicId, lastEventId },
      {
        onData: ({ id, data }: { id: string; data: TopicEvent }) => {
          const type = (data as { type: string }).type;
          if (type === "presence") {
            if ((data as Extract<TopicEvent, { type: "presence" }>).viewers.some((v) => v.id === user.userId))
              seenSelf = true;
            return;
          }
          if (type === "typing") return;
          lastEventId = id;
          if (type === "resync") {
            s.resyncs++;
            void refetch();
            return;
          }
          s.eventIds.push(id);
          if (type === "post.created") s.created.push((data as Extract<TopicEvent, { type: "post.created" }>).post.id);
        },
        onError: (err) => {
          const appCode = (err as { data?: { appCode?: string } }).data?.appCode;
          if (appCode === "STORE_UNAVAILABLE" && !closed) {
            s.resubscribes++;
            setTimeout(() => {
              if (!closed) sub = open();
            }, 500);
          } else s.errors.push(String(err));
        },
        onStopped: () => {
          s.ended = true;
        },
      },
    );
  let sub = open();
  return s;
}

// ------------------------------------------------------------------------------ readiness

export interface ReadySample {
  at: number;
  ms: number;
  status: number;
  body?: { status: string; components: Record<string, { ok: boolean; error?: string }> };
}

export function pollReadiness(url: string): { samples: ReadySample[]; stop(): Promise<void> } {
  const samples: ReadySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json().catch(() => undefined)) as ReadySample["body"];
        samples.push({ at, ms: Date.now() - at, status: res.status, body });
      } catch {
        samples.push({ at, ms: Date.now() - at, status: 0 });
      }
      await sleep(200);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

export const instanceFile = (dir: string, ...parts: string[]) => resolve(dir, ...parts);
