/**
 * Store outages (issue 9): calls that cannot reach a store answer 503 STORE_UNAVAILABLE with
 * Retry-After (HTTP and WebSocket, never 500), /health/ready names the failing store within a
 * second, live subscriptions survive a Redis restart without loss or duplicates (or are told to
 * resync), and a resuming client whose id is older than the backlog gets a resync first.
 * Unreachable stores here are closed ports and a private redis-server this file kills; the fault
 * suite (test/faults) SIGKILLs every real store.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type AppDeps,
  closeDeps,
  createDeps,
  defineChannel,
  EventBus,
  loadConfig,
  type RunningServer,
  S3Storage,
  startServer,
  streamChannel,
} from "@p2p/api";
import { TRPCClientError } from "@p2p/client";
import {
  addMember,
  redisServerPath,
  repoRoot,
  signUpAdmin,
  startTestServer,
  type TestServer,
  type TestUser,
} from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Readiness } from "../src/infra/health";
import { mongoClient } from "../src/infra/mongo/mongo";
import { createDb } from "../src/infra/postgres/db";
import { closeRedis, createRedis } from "../src/infra/redis/redis";
import { markStore, StoreUnavailableError, unavailableStore } from "../src/infra/store-errors";
import { probeClient, waitFor } from "./helpers";
import { probeChannel, probeRouter } from "./probe-router";

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/**
 * A TCP proxy to a store that can be frozen: while frozen it accepts connections and takes what
 * is sent but passes nothing on, either way, as a stopped host or a cut network looks to a client.
 * Thawed, it delivers what it held and carries on. Cut, it drops every connection and refuses new
 * ones until restored, as a store that went away.
 */
async function freezableProxy(target: string) {
  const { hostname, port } = new URL(target);
  let frozen = false;
  let refusing = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) =>
    from.on("data", (chunk) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
  const proxy = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  const listenPort = await new Promise<number>((done) =>
    proxy.listen(0, "127.0.0.1", () => done((proxy.address() as { port: number }).port)),
  );
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((done) => proxy.close(done));
  });
  const url = new URL(target);
  url.host = `127.0.0.1:${listenPort}`;
  return {
    url: url.toString(),
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const send of held.splice(0)) send();
    },
    cut: () => {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      refusing = false;
    },
  };
}

/** A redis-server of this file's own, to kill; with AOF (fsync always) in `dir` when given. */
function startRedis(port: number, dir?: string): ChildProcess {
  const persistence = dir ? ["--dir", dir, "--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  return spawn(redisServerPath(), ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence], {
    stdio: "ignore",
  });
}

async function kill(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

async function redisUp(port: number) {
  const { Redis } = await import("ioredis");
  await waitFor(async () => {
    const probe = new Redis({
      port,
      host: "127.0.0.1",
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on("error", () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }, 10_000);
}

interface TrpcErrorBody {
  error: {
    json: {
      message: string;
      code: number;
      data: { code: string; httpStatus: number; appCode: string; details?: Record<string, unknown> };
    };
  };
}

/** One tRPC call over plain HTTP (no batching), as curl would make it. */
async function callTrpc(url: string, path: string, opts: { token?: string; input?: unknown; mutation?: boolean }) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const input = opts.input === undefined ? undefined : JSON.stringify({ json: opts.input });
  const res = opts.mutation
    ? await fetch(`${url}/trpc/${path}`, { method: "POST", headers, body: input ?? "{}" })
    : await fetch(`${url}/trpc/${path}${input ? `?input=${encodeURIComponent(input)}` : ""}`, { headers });
  return { res, body: (await res.json()) as TrpcErrorBody };
}

function expectStoreUnavailable({ res, body }: { res: Response; body: TrpcErrorBody }, store: string | undefined) {
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("5");
  expect(body.error.json.data).toMatchObject({
    code: "SERVICE_UNAVAILABLE",
    httpStatus: 503,
    appCode: "STORE_UNAVAILABLE",
  });
  expect(body.error.json.data.details?.store).toBe(store);
  // Never the driver's message (hosts, ports, SQL).
  expect(body.error.json.message).toBe("Service temporarily unavailable, retry shortly");
}

/**
 * Readiness gives each store 700 ms (infra/health.ts) and so answers within a second on an idle
 * machine; the tests allow a loaded one twice that, still under every driver's own wait (MongoDB's
 * server selection 3 s, a Redis command 5 s) that readiness must never sit out.
 */
const READY_WITHIN_MS = 2_000;

async function readiness(url: string) {
  const started = performance.now();
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Readiness, ms: performance.now() - started };
}

let server: TestServer;
let admin: TestUser;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  server = await startTestServer({ router: probeRouter });
  admin = await signUpAdmin(server);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await server?.close();
});

describe("store errors are told apart from bugs", () => {
  const err = (props: Record<string, unknown>, message = "boom") => Object.assign(new Error(message), props);

  it("recognizes what each driver throws while its server is down", () => {
    expect(unavailableStore(markStore(err({ code: "ECONNREFUSED" }), "postgres"))).toBe("postgres");
    expect(unavailableStore(err({}, "Connection terminated unexpectedly"))).toBe("postgres");
    expect(unavailableStore(err({}, "timeout exceeded when trying to connect"))).toBe("postgres");
    expect(unavailableStore(err({ code: "57P01", severity: "FATAL" }))).toBe("postgres");
    expect(unavailableStore(err({ code: "57P03", severity: "FATAL" }))).toBe("postgres");
    expect(unavailableStore(err({ code: "08006", severity: "FATAL" }))).toBe("postgres");
    expect(unavailableStore(err({ name: "MongoServerSelectionError" }))).toBe("mongo");
    expect(unavailableStore(err({ name: "MongoNetworkError" }))).toBe("mongo");
    expect(unavailableStore(err({ name: "MongoNotConnectedError" }))).toBe("mongo");
    expect(unavailableStore(err({ name: "PoolClearedError" }))).toBe("mongo");
    expect(unavailableStore(err({ name: "MongoServerError", code: 91 }))).toBe("mongo");
    // FerretDB whose PostgreSQL is down.
    expect(
      unavailableStore(err({ name: "MongoServerError", code: 1 }, "failed to connect to `user=p2p`: dial error")),
    ).toBe("mongo");
    expect(unavailableStore(err({}, "Connection is closed."))).toBe("redis");
    expect(
      unavailableStore(err({ name: "MaxRetriesPerRequestError" }, "Reached the max retries per request limit")),
    ).toBe("redis");
    expect(unavailableStore(err({}, "Stream isn't writeable and enableOfflineQueue options is false"))).toBe("redis");
    expect(unavailableStore(err({ name: "ReplyError" }, "LOADING Redis is loading the dataset in memory"))).toBe(
      "redis",
    );
    expect(unavailableStore(err({ code: "ECONNREFUSED", $metadata: { attempts: 2 } }))).toBe("storage");
    expect(unavailableStore(err({ name: "TimeoutError", $metadata: {} }))).toBe("storage");
    expect(unavailableStore(new StoreUnavailableError("redis", "no answer"))).toBe("redis");
    // Wrapped (fetch failed → ECONNREFUSED) and aggregated connect failures of an unnamed store.
    expect(unavailableStore(new TypeError("fetch failed", { cause: err({ code: "ECONNREFUSED" }) }))).toBe("unknown");
    expect(unavailableStore(new AggregateError([err({ code: "ECONNREFUSED" })]))).toBe("unknown");
  });

  it("leaves every other error alone", () => {
    expect(unavailableStore(err({ code: "23505", severity: "ERROR" }))).toBeNull();
    expect(unavailableStore(err({ name: "MongoServerError", code: 11000 }, "E11000 duplicate key"))).toBeNull();
    expect(unavailableStore(err({ name: "MongoServerError", code: 1 }, "some other internal error"))).toBeNull();
    expect(unavailableStore(err({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }))).toBeNull();
    expect(unavailableStore(err({ name: "ReplyError" }, "WRONGTYPE Operation against a key"))).toBeNull();
    expect(unavailableStore(new TypeError("x is undefined"))).toBeNull();
    expect(unavailableStore("a string")).toBeNull();
    expect(unavailableStore(null)).toBeNull();
  });
});

describe("PostgreSQL frozen", () => {
  it("a statement it never answers fails as a store outage after its limit, and the pool opens a new connection", async () => {
    const db = createDb({ url: server.stores.env.DATABASE_URL as string, poolSize: 1, statementTimeoutMs: 500 });
    cleanups.push(() => db.destroy());
    const pidOf = async () =>
      (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid as number;
    const frozen = await pidOf();
    // This connection's server process stops (as a frozen host or a cut network would look); the
    // server's own statement_timeout cannot fire there.
    process.kill(frozen, "SIGSTOP");
    try {
      const started = performance.now();
      const err = await sql`select 1`.execute(db).then(
        () => null,
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(8_000);
      expect(unavailableStore(err)).toBe("postgres");
    } finally {
      process.kill(frozen, "SIGCONT");
    }
    expect(await pidOf()).not.toBe(frozen);
  }, 20_000);
});

describe("PostgreSQL unreachable", () => {
  let deps: AppDeps;
  let running: RunningServer;

  beforeAll(async () => {
    // Every other store is the test's own; PostgreSQL is a port nothing listens on.
    const config = loadConfig({
      ...server.stores.env,
      DATABASE_URL: `postgres://p2p:p2p@127.0.0.1:${await freePort()}/p2p`,
      HOST: "127.0.0.1",
      PORT: "0",
    });
    deps = await createDeps(config);
    running = await startServer(deps);
    cleanups.push(async () => {
      await running.close(500);
      const started = performance.now();
      await closeDeps(deps);
      // Closing never waits on a store that is gone.
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  });

  it("readiness says 503 within a second and names PostgreSQL", async () => {
    const { status, body, ms } = await readiness(running.url);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(READY_WITHIN_MS);
    expect(body.components.postgres).toMatchObject({ ok: false, error: "unreachable" });
    expect(body.components.redis.ok).toBe(true);
  });

  it("a call authenticating against it (createContext) answers 503 STORE_UNAVAILABLE, not 500", async () => {
    expectStoreUnavailable(await callTrpc(running.url, "users.me", { token: admin.token }), "postgres");
  });

  it("a procedure reading it answers 503, also inside a batch", async () => {
    const input = { email: "nobody@example.com", password: "wrong password here" };
    expectStoreUnavailable(await callTrpc(running.url, "auth.signIn", { input, mutation: true }), "postgres");
    const res = await fetch(`${running.url}/trpc/auth.signIn?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ 0: { json: input } }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const [item] = (await res.json()) as [TrpcErrorBody];
    expect(item.error.json.data.appCode).toBe("STORE_UNAVAILABLE");
  });

  it("plain HTTP routes (/files) answer 503 with Retry-After", async () => {
    const res = await fetch(`${running.url}/files/0190a0a0-0000-7000-8000-000000000000`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ error: { code: "STORE_UNAVAILABLE" } });
  });
});

/** The test server's deps with another Mongo client (the app's own options), served on a port of their own. */
async function serveWithMongo(url: string): Promise<RunningServer> {
  const client = mongoClient(url);
  const deps: AppDeps = { ...server.deps, mongo: { client, db: client.db(server.deps.config.mongo.dbName) } };
  const running = await startServer(deps, { port: 0, host: "127.0.0.1" });
  cleanups.push(async () => {
    await running.close(500);
    await client.close();
  });
  return running;
}

/** A topic of the admin's, visible platform-wide. */
async function platformTopic(title: string) {
  const [category] = await admin.client.forums.listCategories.query();
  return admin.client.forums.createTopic.mutate({
    title,
    body: "<p>first post</p>",
    categoryId: category?.id as string,
    visibility: "platform",
  });
}

describe("MongoDB-wire server unreachable", () => {
  let topicId: string;
  beforeAll(async () => {
    topicId = (await platformTopic("Mongo outage topic")).id;
  });

  /** A page of posts no reader asked for before: one asked for could come from the node's cache (forums/post-pages.ts). */
  let pages = 0;
  const uncachedPage = () => ({ topicId, limit: 50 - ++pages });

  it("nothing listening: readiness answers within a second naming mongo; a read answers 503", async () => {
    const running = await serveWithMongo(`mongodb://127.0.0.1:${await freePort()}/p2p`);
    const { status, body, ms } = await readiness(running.url);
    expect(status).toBe(503);
    expect(ms).toBeLessThan(READY_WITHIN_MS);
    expect(body.components.mongo.ok).toBe(false);
    expect(body.components.postgres.ok).toBe(true);

    const listed = await callTrpc(running.url, "forums.listPosts", { token: admin.token, input: uncachedPage() });
    expectStoreUnavailable(listed, "mongo");
  });

  const ferretBin = resolve(repoRoot, ".local/bin/ferretdb");
  it.skipIf(!existsSync(ferretBin))(
    "a FerretDB whose PostgreSQL is down is reported down too (a PostgreSQL outage is a Mongo outage)",
    async () => {
      const port = await freePort();
      const ferret = spawn(
        ferretBin,
        ["-listen-addr", `127.0.0.1:${port}`, "-postgresql-url", `postgres://p2p:p2p@127.0.0.1:${await freePort()}/x`],
        { stdio: "ignore" },
      );
      cleanups.push(() => kill(ferret));
      const running = await serveWithMongo(`mongodb://127.0.0.1:${port}/p2p`);
      const body = await waitFor(async () => {
        const r = await readiness(running.url);
        return r.status === 503 && r.body.components.mongo.error === "unreachable" ? r.body : undefined;
      });
      expect(body.components.mongo.ok).toBe(false);
      expect(body.components.postgres.ok).toBe(true);
      const listed = await callTrpc(running.url, "forums.listPosts", { token: admin.token, input: uncachedPage() });
      expectStoreUnavailable(listed, "mongo");
    },
  );
});

describe("MongoDB-wire server frozen", () => {
  it("a call it never answers fails as 503 within its limit, and calls work again once it answers", async () => {
    const proxy = await freezableProxy(server.stores.env.MONGO_URL as string);
    const topic = await platformTopic("Frozen Mongo topic");
    const running = await serveWithMongo(proxy.url);
    const reply = (n: number) =>
      callTrpc(running.url, "forums.createPost", {
        token: admin.token,
        input: { topicId: topic.id, body: `<p>reply ${n}</p>` },
        mutation: true,
      });
    expect((await reply(0)).res.status).toBe(200);

    proxy.freeze();
    const started = performance.now();
    expectStoreUnavailable(await reply(1), "mongo");
    expect(performance.now() - started).toBeLessThan(8_000);

    proxy.thaw();
    await waitFor(async () => (await reply(2)).res.status === 200, 20_000);
  }, 60_000);
});

describe("Redis frozen", () => {
  it("the first call waits one command timeout, the next ones answer 503 at once, and it recovers by itself", async () => {
    const proxy = await freezableProxy(server.stores.env.REDIS_URL as string);
    const node = await startTestServer({ router: probeRouter, env: { REDIS_URL: proxy.url }, stores: server.stores });
    cleanups.push(() => node.close());
    const input = { email: admin.email, password: "not the password" };
    // Sign-in counts the attempt in Redis first.
    expect((await callTrpc(node.url, "auth.signIn", { input, mutation: true })).res.status).toBe(401);

    proxy.freeze();
    let started = performance.now();
    expectStoreUnavailable(await callTrpc(node.url, "auth.signIn", { input, mutation: true }), "redis");
    expect(performance.now() - started).toBeLessThan(7_000);
    // The connection that stopped answering was dropped: the calls after it do not wait again.
    started = performance.now();
    expectStoreUnavailable(await callTrpc(node.url, "auth.signIn", { input, mutation: true }), "redis");
    expect(performance.now() - started).toBeLessThan(READY_WITHIN_MS);
    expect((await readiness(node.url)).body.components.redis.ok).toBe(false);

    proxy.thaw();
    await waitFor(async () => (await readiness(node.url)).status === 200, 15_000);
    expect((await callTrpc(node.url, "auth.signIn", { input, mutation: true })).res.status).toBe(401);
  }, 60_000);
});

describe("a stream whose Redis subscriber is back before its command connection", () => {
  it("passes nothing on live until it has replayed what it missed: nothing is lost", async () => {
    const url = server.stores.env.REDIS_URL as string;
    const [toCommands, toSubscriber] = [await freezableProxy(url), await freezableProxy(url)];
    const prefix = `${server.deps.redis.prefix}gap-${crypto.randomUUID()}:`;
    const { logger } = server.deps;
    // Node A's two connections go through proxies of their own; node B publishes directly.
    const viaCommands = createRedis({ url: toCommands.url, prefix }, logger);
    const viaSubscriber = createRedis({ url: toSubscriber.url, prefix }, logger);
    const direct = createRedis({ url, prefix }, logger);
    const a = new EventBus({ ...viaCommands, subscriber: viaSubscriber.subscriber }, logger);
    const b = new EventBus(direct, logger);
    cleanups.push(() => Promise.all([viaCommands, viaSubscriber, direct].map(closeRedis)));
    const channel = defineChannel<{ n: number }>("gap");
    const subscribers = async () =>
      ((await direct.command.pubsub("NUMSUB", `${prefix}ev:gap:k`)) as [string, number])[1];

    const received: number[] = [];
    const stream = streamChannel(a, channel, "k");
    cleanups.push(() => stream.return());
    void (async () => {
      for await (const event of stream) received.push("n" in event.data ? event.data.n : -1);
    })();
    await waitFor(async () => (await subscribers()) === 1);
    await waitFor(async () => {
      await b.publish(channel, "k", { n: 0 });
      return received.length > 0;
    });
    await b.publish(channel, "k", { n: 1 });
    await waitFor(() => received.includes(1));

    // A loses Redis; an event is published meanwhile (in the backlog, not heard by A).
    toCommands.cut();
    toSubscriber.cut();
    await waitFor(async () => (await subscribers()) === 0);
    await b.publish(channel, "k", { n: 2 });
    // A's subscriber is back and subscribed again, its command connection not yet: the next event
    // reaches A live before A can read the backlog.
    toSubscriber.restore();
    await waitFor(async () => (await subscribers()) === 1, 10_000);
    await b.publish(channel, "k", { n: 3 });
    await new Promise((r) => setTimeout(r, 300));
    toCommands.restore();
    await waitFor(() => received.includes(3), 10_000);
    await b.publish(channel, "k", { n: 4 });
    await waitFor(() => received.includes(4), 10_000);
    expect(received.filter((n) => n > 0)).toEqual([1, 2, 3, 4]);
  }, 60_000);
});

describe("S3 unreachable", () => {
  it("a download answers 503 with Retry-After", async () => {
    const upload = await fetch(`${server.url}/files?name=a.txt`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.token}`, "content-type": "text/plain" },
      body: "hello",
    });
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };
    const storage = new S3Storage({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: "us-east-1",
      bucket: "nowhere",
      accessKeyId: "a",
      secretAccessKey: "b",
    });
    const running = await startServer({ ...server.deps, storage }, { port: 0, host: "127.0.0.1" });
    cleanups.push(async () => {
      await running.close(500);
      storage.close();
    });
    const res = await fetch(`${running.url}/files/${id}`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ error: { code: "STORE_UNAVAILABLE" } });
    const ready = await readiness(running.url);
    expect(ready.status).toBe(503);
    expect(ready.body.components.storage.ok).toBe(false);
  });
});

describe("Redis killed and restarted", () => {
  let redisPort: number;
  let redisDir: string;
  let redis: ChildProcess | undefined;
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    redisPort = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), "p2p-redis-"));
    redis = startRedis(redisPort, redisDir);
    await redisUp(redisPort);
    const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    // Two nodes of one deployment on this Redis; A runs the job worker (BullMQ on the Redis that dies).
    nodeA = await startTestServer({ router: probeRouter, env, stores: server.stores });
    nodeB = await startTestServer({ router: probeRouter, env, stores: server.stores, runWorker: false });
    cleanups.push(async () => {
      await nodeB?.close();
      await nodeA?.close();
      await kill(redis);
      rmSync(redisDir, { recursive: true, force: true });
    });
  });

  it("calls answer 503 (HTTP and WebSocket), readiness names Redis, live subscriptions lose nothing", async () => {
    const received: { id: string; data: { n?: number; type?: string } }[] = [];
    const { client, wsClient } = probeClient(nodeA.url);
    cleanups.push(() => wsClient.close());
    const sub = client.probe.onEvent.subscribe({ key: "outage" }, { onData: (e) => received.push(e) });
    cleanups.push(() => sub.unsubscribe());
    const publisher = probeClient(nodeB.url);
    cleanups.push(() => publisher.wsClient.close());
    await waitFor(async () => {
      await publisher.client.probe.publish.mutate({ key: "outage", n: 0 });
      return received.length > 0;
    });
    await publisher.client.probe.publish.mutate({ key: "outage", n: 1 });
    await waitFor(() => received.some((e) => e.data.n === 1));

    await kill(redis);

    const down = await waitFor(async () => {
      const r = await readiness(nodeA.url);
      return r.status === 503 ? r : undefined;
    });
    expect(down.ms).toBeLessThan(READY_WITHIN_MS);
    expect(down.body.components.redis.ok).toBe(false);
    expect(down.body.components.postgres.ok).toBe(true);

    // Sign-in counts the attempt in Redis first: 503 over HTTP…
    const input = { email: admin.email, password: "not the password" };
    const started = performance.now();
    expectStoreUnavailable(await callTrpc(nodeA.url, "auth.signIn", { input, mutation: true }), "redis");
    expect(performance.now() - started).toBeLessThan(2_000);
    // …and the same code over WebSocket.
    const wsCaller = nodeA.client({ allCallsOverWebSocket: true });
    const overWs = await wsCaller.auth.signIn.mutate(input).catch((e: unknown) => e);
    expect(overWs).toBeInstanceOf(TRPCClientError);
    expect((overWs as TRPCClientError<never>).data).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      appCode: "STORE_UNAVAILABLE",
      details: { store: "redis", retryAfterSeconds: 5 },
    });

    // A write whose only Redis step is its live event still succeeds; the event is sent once Redis is back.
    expect(await publisher.client.probe.publish.mutate({ key: "outage", n: 2 })).toBeNull();

    // Redis comes back with its data (AOF); the node recovers by itself.
    redis = startRedis(redisPort, redisDir);
    await waitFor(async () => (await readiness(nodeA.url)).status === 200, 15_000);
    await waitFor(async () => (await readiness(nodeB.url)).status === 200, 15_000);
    await publisher.client.probe.publish.mutate({ key: "outage", n: 3 });
    await waitFor(() => received.some((e) => e.data.n === 3) && received.some((e) => e.data.n === 2), 10_000);
    // Published directly by node B's bus while node A may not have resubscribed yet: A replays it.
    await nodeB.deps.events.publish(probeChannel, "outage", { n: 4 });
    await waitFor(() => received.some((e) => e.data.n === 4), 10_000);

    const ns = received.map((e) => e.data.n).filter((n): n is number => n !== undefined && n > 0);
    expect([...ns].sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
    expect(received.some((e) => e.data.type === "resync")).toBe(false);
    // Calls work again.
    const again = await callTrpc(nodeA.url, "auth.signIn", { input, mutation: true });
    expect(again.res.status).toBe(401);
  }, 60_000);

  it("a post written while Redis is down is acknowledged, and its live event arrives once Redis is back", async () => {
    const [category] = await admin.client.forums.listCategories.query();
    const topic = await admin.client.forums.createTopic.mutate({
      title: "Redis outage topic",
      body: "<p>question</p>",
      categoryId: category?.id as string,
      visibility: "platform",
    });
    const viewer = nodeA.client({ token: admin.token });
    const events: { type: string; post?: { id: string } }[] = [];
    const sub = viewer.forums.onTopic.subscribe({ topicId: topic.id }, { onData: (e) => events.push(e.data) });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(() => events.some((e) => e.type === "presence"));

    await kill(redis);
    await waitFor(async () => (await readiness(nodeB.url)).status === 503);
    const writer = nodeB.client({ token: admin.token });
    const post = await writer.forums.createPost.mutate({ topicId: topic.id, body: "<p>written during the outage</p>" });
    const listed = await writer.forums.listPosts.query({ topicId: topic.id });
    expect(listed.items.map((p) => p.id)).toContain(post.id);

    redis = startRedis(redisPort, redisDir);
    await waitFor(() => events.some((e) => e.type === "post.created" && e.post?.id === post.id), 15_000);
    expect(events.filter((e) => e.type === "post.created")).toHaveLength(1);
    expect(events.some((e) => e.type === "resync")).toBe(false);
    await waitFor(async () => (await readiness(nodeA.url)).status === 200, 15_000);
  }, 60_000);

  it("a subscription replays what other nodes published while its node was not subscribed", async () => {
    const received: { id: string; data: { n?: number; type?: string } }[] = [];
    const { client, wsClient } = probeClient(nodeA.url);
    cleanups.push(() => wsClient.close());
    const sub = client.probe.onEvent.subscribe({ key: "gap" }, { onData: (e) => received.push(e) });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(async () => {
      await nodeB.deps.events.publish(probeChannel, "gap", { n: 1 });
      return received.length > 0;
    });
    // Node A's subscriber connection drops (Redis stays up for everyone else); while it reconnects,
    // node B publishes: pub/sub cannot deliver these to A, only A's replay of the backlog can.
    const { subscriber } = nodeA.deps.redis;
    subscriber.disconnect(true);
    await waitFor(() => subscriber.status !== "ready");
    for (const n of [2, 3, 4]) await nodeB.deps.events.publish(probeChannel, "gap", { n });
    await waitFor(() => received.some((e) => e.data.n === 4), 10_000);
    await nodeB.deps.events.publish(probeChannel, "gap", { n: 5 });
    await waitFor(() => received.some((e) => e.data.n === 5));
    const ns = received.map((e) => e.data.n).filter((n) => n !== undefined && n > 1);
    expect(ns).toEqual([2, 3, 4, 5]);
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
  });

  it("a role change whose broadcast a node missed applies there once its bus reconnects", async () => {
    const member = await addMember(server, admin);
    const onA = nodeA.client({ token: member.token });
    expect((await onA.auth.me.query()).role).toBe("member");
    // Node A's subscriber connection drops: the change's broadcast from node B never reaches it.
    const { subscriber } = nodeA.deps.redis;
    subscriber.disconnect(true);
    await waitFor(() => subscriber.status !== "ready");
    await nodeB.client({ token: admin.token }).users.update.mutate({ id: member.userId, role: "admin" });
    // Well inside the cache's time limit: only the drop on reconnect makes A read the new role.
    await waitFor(async () => (await onA.auth.me.query()).role === "admin", 5_000);
  });

  it("a subscription open while Redis restarts without its data is told to resync, then keeps going", async () => {
    const received: { id: string; data: { n?: number; type?: string } }[] = [];
    const { client, wsClient } = probeClient(nodeA.url);
    cleanups.push(() => wsClient.close());
    const sub = client.probe.onEvent.subscribe({ key: "lost" }, { onData: (e) => received.push(e) });
    cleanups.push(() => sub.unsubscribe());
    await waitFor(async () => {
      await nodeB.deps.events.publish(probeChannel, "lost", { n: 1 });
      return received.length > 0;
    });

    await kill(redis);
    rmSync(redisDir, { recursive: true, force: true });
    redisDir = mkdtempSync(join(tmpdir(), "p2p-redis-"));
    redis = startRedis(redisPort, redisDir);
    await waitFor(() => received.some((e) => e.data.type === "resync"), 15_000);
    await waitFor(async () => (await readiness(nodeB.url)).status === 200, 15_000);
    await nodeB.deps.events.publish(probeChannel, "lost", { n: 2 });
    await waitFor(() => received.some((e) => e.data.n === 2), 10_000);
    const types = received.map((e) => e.data.type ?? `n${e.data.n}`);
    expect(types.indexOf("resync")).toBeLessThan(types.indexOf("n2"));
  }, 60_000);
});

describe("resuming from an id the backlog no longer holds", () => {
  it("gets a resync first, then live events; an id still held replays without one", async () => {
    const { events } = server.deps;
    const ids: string[] = [];
    // Past the 1,000-event backlog: the oldest events are trimmed.
    for (let n = 1; n <= 1_250; n++) ids.push((await events.publish(probeChannel, "trimmed", { n })) as string);
    const { client, wsClient } = probeClient(server.url);
    cleanups.push(() => wsClient.close());

    const stale: { id: string; data: { n?: number; type?: string } }[] = [];
    const sub = client.probe.onEvent.subscribe(
      { key: "trimmed", lastEventId: ids[0] },
      { onData: (e) => stale.push(e) },
    );
    cleanups.push(() => sub.unsubscribe());
    await waitFor(() => stale.length > 0);
    expect(stale[0]).toEqual({ id: ids.at(-1), data: { type: "resync" } });
    await events.publish(probeChannel, "trimmed", { n: 1_251 });
    await waitFor(() => stale.some((e) => e.data.n === 1_251));
    expect(stale.map((e) => e.data.n ?? e.data.type)).toEqual(["resync", 1_251]);

    const recent: { data: { n?: number; type?: string } }[] = [];
    const sub2 = client.probe.onEvent.subscribe(
      { key: "trimmed", lastEventId: ids.at(-3) },
      { onData: (e) => recent.push(e) },
    );
    cleanups.push(() => sub2.unsubscribe());
    await waitFor(() => recent.length >= 3);
    expect(recent.map((e) => e.data.n ?? e.data.type)).toEqual([1_249, 1_250, 1_251]);

    // A backlog that is gone altogether (expired, or Redis lost it) also says resync.
    const gone: { id: string; data: { n?: number; type?: string } }[] = [];
    const sub3 = client.probe.onEvent.subscribe(
      { key: "never-published", lastEventId: ids[5] },
      { onData: (e) => gone.push(e) },
    );
    cleanups.push(() => sub3.unsubscribe());
    await waitFor(() => gone.length > 0);
    expect(gone[0]?.data).toEqual({ type: "resync" });
  });
});

describe("shutdown", () => {
  it("stopping under keep-alive load: answers say Connection: close, and the drain ends without cutting anyone", async () => {
    const running = await startServer(server.deps, { port: 0, host: "127.0.0.1" });
    let stopping = false;
    const afterStop: (string | null)[] = [];
    const failures: string[] = [];
    // Four clients sending back to back on kept-alive connections (fetch keeps them alive).
    const clients = [1, 2, 3, 4].map(async () => {
      while (true) {
        const asked = stopping;
        const res = await fetch(`${running.url}/health/ready`).catch((err: Error) => err);
        if (res instanceof Error) {
          if (!asked) failures.push(res.message); // cut while in flight
          return;
        }
        await res.arrayBuffer();
        if (res.status !== 200 && res.status !== 503) failures.push(`status ${res.status}`);
        if (asked) afterStop.push(res.headers.get("connection"));
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    stopping = true;
    const started = performance.now();
    await running.close(8_000);
    expect(performance.now() - started).toBeLessThan(3_000);
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(afterStop.every((c) => c === "close")).toBe(true);
  });

  it("SIGTERM ends the server process within the drain window when its Redis is gone", async () => {
    const port = await freePort();
    const redis = startRedis(port);
    cleanups.push(() => kill(redis));
    await redisUp(port);
    const tsx = resolve(repoRoot, "node_modules/.bin/tsx");
    const child = spawn(tsx, [resolve(repoRoot, "apps/server/src/main.ts")], {
      env: {
        ...process.env,
        ...server.stores.env,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_PREFIX: `${server.stores.name}:shutdown:`,
        HOST: "127.0.0.1",
        PORT: "0",
        NODE_ENV: "test",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanups.push(() => kill(child));
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    const listening = await waitFor(() => output.match(/"port":(\d+)[^\n]*"msg":"listening"/)?.[1], 60_000);
    const url = `http://127.0.0.1:${listening}`;
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    await kill(redis);
    // Still serving after Redis died (no unhandled 'error' from ioredis, BullMQ or the bus).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(503);

    const started = performance.now();
    child.kill("SIGTERM");
    const code = await exited;
    const tookMs = performance.now() - started;
    expect(tookMs, output.slice(-2_000)).toBeLessThan(10_000);
    expect(code, output.slice(-2_000)).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 90_000);
});
