/**
 * The fault suite (issue 9). For PostgreSQL, Redis, the MongoDB-wire server (FerretDB, whose data
 * lives in PostgreSQL) and the S3 server (versitygw) in turn: while a signed-in user writes
 * continuously and a subscriber watches the topic, the store's real process is SIGKILLed, left down
 * for a few seconds and restarted through scripts/services.sh. Then:
 *   - the API server (a separate OS process) never exited;
 *   - calls needing the dead store answered 503 SERVICE_UNAVAILABLE / STORE_UNAVAILABLE (with
 *     Retry-After on raw HTTP), never 500, after a short transition window following the kill;
 *   - /health/ready answered 503 within 1 s naming the failing components (a PostgreSQL outage is
 *     a MongoDB outage too, FerretDB storing its data there), then 200;
 *   - every acknowledged post is listed exactly once, every acknowledged upload downloads intact;
 *   - after the repair job no pending or half-written post is left;
 *   - the live subscriber got every acknowledged post once, in order, without ending.
 *
 * The services are an instance of this file's own (SERVICES_INSTANCE=faults: own ports and data
 * under .local/instances/faults/; `faults-2`… while another test run in this checkout owns it), so
 * killing them never disturbs the test files running alongside. Stores run in sequence inside this
 * one file. The instance is stopped in afterAll; a watchdog stops it if this process dies first,
 * and a leftover of a failed run (services or server) is stopped before starting.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type AppDeps, createDb, createLogger, EventBus } from "@p2p/api";
import {
  adminUrl,
  type InstanceService,
  localInstanceSupport,
  type ServiceInstance,
  serviceInstance,
} from "@p2p/testkit";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, createRedis } from "../../src/infra/redis/redis";
import { repairPendingPosts } from "../../src/modules/forums/post-write";
import {
  type Call,
  claimInstance,
  describeCall,
  freePort,
  type InstanceClaim,
  isStoreUnavailable,
  killStaleServer,
  listAllPostIds,
  type Op,
  pollReadiness,
  type ReadySample,
  rawCall,
  type ServerExit,
  type ServerProcess,
  signUpOverHttp,
  sleep,
  startLoad,
  startServerProcess,
  startWatchdog,
  subscribe,
  tail,
  type Upload,
  type User,
} from "./harness";

/** The instance's name, or the first free `faults-<n>` when another test run owns it. */
const INSTANCE_BASE = "faults";
const DB = "p2p_faults";
/**
 * Load before the kill, and how long the store stays down: long enough that a writer whose call
 * waits out the Mongo driver's server selection (3 s) still makes a whole call inside the outage.
 */
const BASELINE_MS = 1_500;
const OUTAGE_MS = 8_000;
/** After the kill, calls may fail any way for this long (requests in flight when the store died). */
const TRANSITION_MS = 1_500;
/** After readiness is back, calls may still answer 503 for this long (pools reconnecting). */
const RECOVERY_GRACE_MS = 2_000;
/** /health/ready must answer within 1 s; the slack covers scheduling on a loaded 2-core machine. */
const READY_WITHIN_MS = 1_000 + 250;

type Component = "postgres" | "mongo" | "redis" | "storage";

const support = localInstanceSupport();
const skipReason = support.ok
  ? null
  : `${process.env.DATABASE_URL ? "services come only from URLs in the environment (DATABASE_URL) and " : ""}` +
    `scripts/services.sh cannot start services of its own here (${support.reason})`;
if (skipReason) console.warn(`[faults] skipped: ${skipReason}`);

interface Phase {
  name: string;
  service: InstanceService;
  /** Readiness components that must report failure while the store is down. */
  down: Component[];
  /** Calls that need this store: during the outage they must answer 503 STORE_UNAVAILABLE. */
  needs: Op[];
  /** A call that needs the store, fired on a beat during the whole phase (raw HTTP: status and headers). */
  probe: (ctx: { url: string; user: User; topicId: string; postId: string; fileId: string }) => Promise<Call>;
}

const bearer = (user: User) => ({ authorization: `Bearer ${user.token}` });
const trpcInput = (input: unknown) => encodeURIComponent(JSON.stringify({ json: input }));

/**
 * forums.getPost: the topic in PostgreSQL, the post in Mongo, both read on every call (a page of
 * posts could be answered from the node's cache, forums/post-pages.ts).
 */
const postProbe: Phase["probe"] = ({ url, user, postId }) =>
  rawCall("probe", `${url}/trpc/forums.getPost?input=${trpcInput({ postId })}`, { headers: bearer(user) });
/** forums.setTyping: a Redis throttle key and a Redis broadcast. */
const typingProbe: Phase["probe"] = ({ url, user, topicId }) =>
  rawCall("probe", `${url}/trpc/forums.setTyping`, {
    method: "POST",
    headers: { ...bearer(user), "content-type": "application/json" },
    body: JSON.stringify({ json: { topicId } }),
  });
/** GET /files/:id: the bytes come from S3. */
const downloadProbe: Phase["probe"] = ({ url, user, fileId }) =>
  rawCall("probe", `${url}/files/${fileId}`, { headers: bearer(user) });

const phases: Phase[] = [
  {
    name: "PostgreSQL",
    service: "postgres",
    down: ["postgres", "mongo"],
    needs: ["post", "probe", "upload"],
    probe: postProbe,
  },
  { name: "Redis", service: "redis", down: ["redis"], needs: ["probe"], probe: typingProbe },
  { name: "MongoDB (FerretDB)", service: "ferretdb", down: ["mongo"], needs: ["post", "probe"], probe: postProbe },
  { name: "S3 (versitygw)", service: "versitygw", down: ["storage"], needs: ["upload", "probe"], probe: downloadProbe },
];

interface Times {
  kill: number;
  killed: number;
  restart: number;
  restarted: number;
  ready: number | null;
}

interface PhaseResult {
  topicId: string;
  acked: string[];
}

describe.skipIf(skipReason !== null)(
  skipReason
    ? `fault suite (skipped: ${skipReason})`
    : "fault suite: each store SIGKILLed mid-load and restarted through scripts/services.sh",
  () => {
    let instance: ServiceInstance;
    let server: ServerProcess | undefined;
    let port: number;
    let watchdog: { stop(): void } | undefined;
    let claim: InstanceClaim | undefined;
    let user: User;
    let categoryId: string;
    const exits: ServerExit[] = [];
    const results: PhaseResult[] = [];
    const files = () => ({
      log: `${instance.dir}/log/server.log`,
      pid: `${instance.dir}/run/server.pid`,
    });
    const serverEnv = () => ({
      NODE_ENV: "test",
      DEV_OUTBOX: "true",
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? "warn",
      DATABASE_URL: adminUrl(instance.urls.databaseUrl, DB),
      DATABASE_POOL_SIZE: "10",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      PASSWORD_HASH_PASSES: "1",
      // One user writing as fast as it can from one IP: the general request limit must not refuse it.
      RATE_LIMIT_PER_IP_PER_SECOND: "1000000",
      RATE_LIMIT_PER_IP_PER_MINUTE: "1000000",
      RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000000",
      RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: "1000000",
      MONGO_URL: instance.urls.mongoUrl,
      MONGO_DB: DB,
      REDIS_URL: instance.urls.redisUrl,
      REDIS_PREFIX: "faults:",
      STORAGE_DRIVER: "s3",
      S3_ENDPOINT: instance.urls.s3.endpoint,
      S3_REGION: instance.urls.s3.region,
      S3_BUCKET: instance.urls.s3.bucket,
      S3_ACCESS_KEY_ID: instance.urls.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: instance.urls.s3.secretAccessKey,
    });

    /** The server process, started again (same port) when a phase killed it, so later phases still run. */
    async function ensureServer(): Promise<ServerProcess> {
      if (server?.alive()) return server;
      if (server) exits.push(...server.exits);
      server = await startServerProcess({ env: serverEnv(), port, logFile: files().log, pidFile: files().pid });
      return server;
    }

    /** Fresh state of this file's own: the instance is ours alone, so the names are fixed. */
    async function resetStores() {
      const admin = createDb({ url: adminUrl(instance.urls.databaseUrl), poolSize: 1 });
      try {
        await sql`drop database if exists ${sql.id(DB)} with (force)`.execute(admin);
        await sql`create database ${sql.id(DB)}`.execute(admin);
      } finally {
        await admin.destroy();
      }
      const mongo = new MongoClient(instance.urls.mongoUrl);
      const redis = new Redis(instance.urls.redisUrl);
      try {
        await mongo.db(DB).dropDatabase();
        await redis.flushall();
      } finally {
        await Promise.allSettled([mongo.close(), redis.quit()]);
      }
    }

    beforeAll(async () => {
      const started = Date.now();
      claim = claimInstance(INSTANCE_BASE);
      instance = serviceInstance(claim.name);
      // A failed run may have left its server and services running: stop them first.
      killStaleServer(files().pid);
      mkdirSync(dirname(files().log), { recursive: true });
      writeFileSync(files().log, "");
      await instance.down();
      watchdog = startWatchdog({ claim, pidFile: files().pid });
      await instance.up();
      await resetStores();
      port = await freePort();
      await ensureServer();
      user = await signUpOverHttp(`http://127.0.0.1:${port}`, "writer");
      categoryId = (await user.client.forums.listCategories.query())[0]?.id ?? "";
      console.log(`[faults] instance ${claim.name} up, server pid ${server?.pid} ready in ${Date.now() - started} ms`);
    }, 240_000);

    afterAll(async () => {
      user?.client.close();
      await server?.stop().catch((err) => console.error("[faults] stopping the server:", err));
      await instance?.down().catch((err) => console.error("[faults] stopping the instance:", err));
      watchdog?.stop();
      claim?.release();
    }, 120_000);

    async function retry<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          return await fn();
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`${what}: ${String(err)}`);
          await sleep(250);
        }
      }
    }

    /** The API's view and the stores' view of a topic after the repair job. */
    async function inspect(topicId: string) {
      const url = (await ensureServer()).url;
      const visibleBefore = await retry("listPosts", () => listAllPostIds(user.client, topicId));
      const db = createDb({ url: adminUrl(instance.urls.databaseUrl, DB), poolSize: 2 });
      const mongo = new MongoClient(instance.urls.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
      // The server's event bus: what the repair releases, the server's cached pages drop.
      const logger = createLogger({ env: "test", logLevel: "silent" });
      const redis = createRedis({ url: instance.urls.redisUrl, prefix: "faults:" }, logger);
      try {
        await mongo.connect();
        const events = new EventBus(redis, logger);
        const deps = { db, mongo: { client: mongo, db: mongo.db(DB) }, events } as unknown as AppDeps;
        // The scheduled job with no grace period: nothing is in flight any more.
        const repaired = { released: 0, removed: 0 };
        for (;;) {
          const r = await repairPendingPosts(deps, 0);
          repaired.released += r.released;
          repaired.removed += r.removed;
          if (r.released + r.removed === 0) break;
        }
        const docs = await mongo
          .db(DB)
          .collection<{ _id: string; pending: boolean; deletedAt: Date | null }>("forum_posts")
          .find({ topicId })
          .toArray();
        const searchRows = await db.selectFrom("forumSearch").select("postId").where("topicId", "=", topicId).execute();
        const topic = await db
          .selectFrom("forumTopics")
          .select("replyCount")
          .where("id", "=", topicId)
          .executeTakeFirstOrThrow();
        const visibleAfter = await listAllPostIds(user.client, topicId);
        return {
          url,
          visibleBefore,
          visibleAfter,
          repaired,
          pending: docs.filter((d) => d.pending).map((d) => d._id),
          docIds: docs.map((d) => d._id),
          searchIds: searchRows.map((r) => r.postId),
          replyCount: Number(topic.replyCount),
        };
      } finally {
        await Promise.allSettled([db.destroy(), mongo.close(), closeRedis(redis)]);
      }
    }

    async function downloads(url: string, uploads: Upload[]) {
      const bad: string[] = [];
      for (const u of uploads) {
        const res = await fetch(`${url}/files/${u.id}`, { headers: bearer(user) });
        const bytes = Buffer.from(await res.arrayBuffer());
        const sha = createHash("sha256").update(bytes).digest("hex");
        if (res.status !== 200 || sha !== u.sha256) bad.push(`${u.id}: ${res.status}`);
      }
      return bad;
    }

    for (const phase of phases) {
      it(`${phase.name}: killed mid-load and restarted, nothing acknowledged is lost`, async () => {
        const phaseStart = Date.now();
        const srv = await ensureServer();
        const pid = srv.pid;
        const exitsBefore = srv.exits.length;
        const url = srv.url;
        const topic = await retry("createTopic", () =>
          user.client.forums.createTopic.mutate({
            title: `Fault test: ${phase.name} goes down`,
            categoryId,
            body: `<p>Writes while ${phase.name} is killed</p>`,
            visibility: "organization",
          }),
        );
        const seed = await rawCall(
          "upload",
          `${url}/files?name=seed.txt`,
          {
            method: "POST",
            headers: { ...bearer(user), "content-type": "text/plain" },
            body: `seed of ${phase.name}\n`,
          },
          (body) => (body as { id: string }).id,
        );
        if (!seed.ok || !seed.id) throw new Error(`the seed upload failed: ${describeCall(seed)}`);
        const fileId = seed.id;

        const sub = subscribe(url, user, topic.id);
        await sub.ready();
        const readiness = pollReadiness(url);
        const load = startLoad({
          url,
          user,
          topicId: topic.id,
          label: phase.service,
          probe: () =>
            phase.probe({ url, user, topicId: topic.id, postId: topic.posts.items[0]?.id as string, fileId }),
        });

        const t: Times = { kill: 0, killed: 0, restart: 0, restarted: 0, ready: null };
        let restartError: unknown;
        try {
          await sleep(BASELINE_MS);
          t.kill = Date.now();
          await instance.kill(phase.service);
          t.killed = Date.now();
          await sleep(OUTAGE_MS);
        } finally {
          t.restart = Date.now();
          await instance.start(phase.service).catch((err) => {
            restartError = err;
          });
          t.restarted = Date.now();
        }
        if (restartError) throw restartError;

        // Readiness back to 200, then the writers get acknowledgements again.
        const readyDeadline = Date.now() + 45_000;
        while (t.ready === null && Date.now() < readyDeadline) {
          t.ready = readiness.samples.find((s) => s.at >= t.restarted && s.status === 200)?.at ?? null;
          await sleep(100);
        }
        const recovered = () =>
          load.calls.filter((c) => c.op === "post" && c.ok && c.start > (t.ready ?? t.restarted) + RECOVERY_GRACE_MS)
            .length;
        const loadDeadline = Date.now() + 20_000;
        while (recovered() < 10 && Date.now() < loadDeadline) await sleep(100);
        await load.stop();
        await readiness.stop();

        const posts = load.calls.filter((c) => c.op === "post");
        const acked = posts.filter((c) => c.ok).map((c) => c.id as string);
        // The subscriber catches up (or times out, and the assertions below say what is missing).
        const seen = () => new Set([...sub.created, ...sub.resynced]);
        const subDeadline = Date.now() + 10_000;
        while (acked.some((id) => !seen().has(id)) && Date.now() < subDeadline) await sleep(100);
        const subscriber = {
          created: [...sub.created],
          eventIds: [...sub.eventIds],
          resynced: new Set(sub.resynced),
          resyncs: sub.resyncs,
          resubscribes: sub.resubscribes,
          errors: [...sub.errors],
          ended: sub.ended,
        };
        sub.close();

        const serverExits = srv.exits.slice(exitsBefore);
        const serverLog = serverExits.length ? tail(files().log) : "";
        const state = await inspect(topic.id);
        const badDownloads = await downloads(state.url, load.uploads);
        results.push({ topicId: topic.id, acked });

        // ---------------------------------------------------------------- judge every call
        const violations: string[] = [];
        const unavailableInOutage = new Map<Op, number>();
        const neededCalls = new Map<Op, number>();
        const transitionOther: string[] = [];
        for (const c of load.calls) {
          const at = `${c.op} at ${c.start - t.kill} ms after the kill: ${describeCall(c)}`;
          if (c.end < t.kill) {
            if (!c.ok) violations.push(`before the kill, ${at}`);
          } else if (c.start < t.kill + TRANSITION_MS) {
            // in flight at the kill, or in the transition window: any answer (reported)
            if (!c.ok && !isStoreUnavailable(c)) transitionOther.push(`${c.op}: ${describeCall(c)}`);
          } else if (c.start < t.restart) {
            if (phase.needs.includes(c.op)) neededCalls.set(c.op, (neededCalls.get(c.op) ?? 0) + 1);
            if (isStoreUnavailable(c)) unavailableInOutage.set(c.op, (unavailableInOutage.get(c.op) ?? 0) + 1);
            if (!c.ok && !isStoreUnavailable(c)) violations.push(`during the outage, ${at}`);
          } else if (c.start < (t.ready ?? Number.POSITIVE_INFINITY) + RECOVERY_GRACE_MS) {
            if (!c.ok && !isStoreUnavailable(c)) violations.push(`while restarting, ${at}`);
          } else if (!c.ok) {
            violations.push(`after recovery, ${at}`);
          }
        }

        // ---------------------------------------------------------------- readiness
        const outageSamples = readiness.samples.filter(
          (s) => s.at >= t.killed + TRANSITION_MS && s.at + s.ms <= t.restart,
        );
        const badSamples = outageSamples.filter(
          (s) =>
            s.status !== 503 ||
            s.body?.status !== "unavailable" ||
            phase.down.some((name) => s.body?.components[name]?.ok !== false) ||
            s.ms > READY_WITHIN_MS,
        );
        const describeSample = (s: ReadySample) =>
          `${s.status} in ${s.ms} ms, failing: ${Object.entries(s.body?.components ?? {})
            .filter(([, c]) => !c.ok)
            .map(([name, c]) => `${name} (${c.error})`)
            .join(", ")}`;

        // ---------------------------------------------------------------- data
        const count = (ids: string[]) =>
          ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
        const visible = count(state.visibleAfter);
        const missing = acked.filter((id) => !visible.has(id));
        const twice = [...visible].filter(([, n]) => n > 1).map(([id]) => id);
        const sorted = (ids: Iterable<string>) => [...new Set(ids)].sort();
        const received = count(subscriber.created);
        const lostLive = acked.filter((id) => !received.has(id) && !subscriber.resynced.has(id));
        const dupLive = [...received].filter(([, n]) => n > 1).map(([id]) => id);
        const dupEventIds = subscriber.eventIds.filter((id, i) => subscriber.eventIds.indexOf(id) !== i);
        const outOfOrder = subscriber.eventIds.filter(
          (id, i) => i > 0 && !eventIdAfter(id, subscriber.eventIds[i - 1] ?? ""),
        );

        const failed = (op: Op) => load.calls.filter((c) => c.op === op && !c.ok);
        const slowest503 = Math.max(0, ...load.calls.filter(isStoreUnavailable).map((c) => c.end - c.start));
        const summary = {
          posts: `${acked.length} acknowledged, ${failed("post").length} failed (${failed("post").filter(isStoreUnavailable).length} × 503)`,
          probes: `${load.calls.filter((c) => c.op === "probe").length} sent, ${failed("probe").filter(isStoreUnavailable).length} × 503, ${failed("probe").filter((c) => !isStoreUnavailable(c)).length} other failures`,
          uploads: `${load.uploads.length} acknowledged, ${failed("upload").length} failed (${failed("upload").filter(isStoreUnavailable).length} × 503)`,
          readiness: `${outageSamples.length} samples during the outage (${outageSamples.filter((s) => s.status === 503).length} × 503, slowest ${Math.max(0, ...outageSamples.map((s) => s.ms))} ms), 200 again ${t.ready === null ? "never" : `${t.ready - t.restarted} ms after the restart`}`,
          outage: `kill took ${t.killed - t.kill} ms, restart ${t.restarted - t.restart} ms; slowest 503 answer ${slowest503} ms`,
          subscriber: `${subscriber.created.length} post events, ${dupLive.length} duplicates, ${lostLive.length} missing, ${subscriber.resyncs} resyncs, ${subscriber.resubscribes} resubscribes after a 503, errors: ${subscriber.errors.length ? subscriber.errors.join("; ") : "none"}`,
          repair: `released ${state.repaired.released}, removed ${state.repaired.removed}`,
          server: serverExits.length ? `EXITED ${JSON.stringify(serverExits)}` : `alive (pid ${pid})`,
          transition: `${transitionOther.length} calls in flight at the kill or just after failed otherwise than 503${transitionOther.length ? ` (${[...new Set(transitionOther)].slice(0, 3).join("; ")})` : ""}`,
          violations: violations.length,
          took: `${Date.now() - phaseStart} ms`,
        };
        console.log(
          `[faults] ${phase.name}\n${Object.entries(summary)
            .map(([k, v]) => `  ${k}: ${v}`)
            .join("\n")}`,
        );
        if (violations.length)
          console.log(`[faults] ${phase.name}, first violations:\n  ${violations.slice(0, 8).join("\n  ")}`);
        if (badSamples.length)
          console.log(
            `[faults] ${phase.name}, readiness during the outage:\n  ${badSamples.slice(0, 4).map(describeSample).join("\n  ")}`,
          );
        if (serverLog) console.log(`[faults] ${phase.name}, the server's last output:\n${serverLog}`);

        // ---------------------------------------------------------------- assertions
        expect.soft(serverExits, "the API server process stayed alive").toEqual([]);
        expect.soft(acked.length, "posts were acknowledged around the outage").toBeGreaterThan(0);
        expect.soft(violations, "every call answered OK or 503 STORE_UNAVAILABLE (after the transition)").toEqual([]);
        for (const op of phase.needs) {
          expect
            .soft(
              unavailableInOutage.get(op) ?? 0,
              `${op} calls answered 503 STORE_UNAVAILABLE during the outage (of ${neededCalls.get(op) ?? 0})`,
            )
            .toBeGreaterThan(0);
        }
        expect
          .soft(
            readiness.samples.some((s) => s.at + s.ms < t.kill && s.status === 200),
            "ready before the kill",
          )
          .toBe(true);
        expect.soft(outageSamples.length, "readiness answered during the outage").toBeGreaterThan(0);
        expect
          .soft(badSamples.map(describeSample), `readiness: 503 within 1 s naming ${phase.down.join(" and ")}`)
          .toEqual([]);
        expect.soft(t.ready, "readiness back to 200 after the restart").not.toBeNull();
        expect.soft(missing, "every acknowledged post is listed").toEqual([]);
        expect.soft(twice, "no post is listed twice").toEqual([]);
        expect
          .soft(state.visibleAfter.length - 1, "no more posts than were attempted")
          .toBeLessThanOrEqual(posts.length);
        expect.soft(state.pending, "no pending post after the repair job").toEqual([]);
        expect.soft(sorted(state.docIds), "every Mongo post has its PostgreSQL half").toEqual(sorted(state.searchIds));
        expect.soft(sorted(state.visibleAfter), "every stored post is visible").toEqual(sorted(state.docIds));
        expect.soft(state.replyCount, "the topic's reply count matches its posts").toBe(state.searchIds.length - 1);
        expect.soft(badDownloads, "every acknowledged upload downloads intact").toEqual([]);
        expect.soft(subscriber.errors, "the subscription never failed").toEqual([]);
        expect.soft(subscriber.ended, "the subscription never ended").toBe(false);
        expect.soft(lostLive, "the subscriber got every acknowledged post").toEqual([]);
        expect.soft(dupLive, "the subscriber got no post twice").toEqual([]);
        expect.soft(dupEventIds, "no event delivered twice").toEqual([]);
        expect.soft(outOfOrder, "events in order").toEqual([]);
      }, 180_000);
    }

    it("after every outage, every post acknowledged in any phase is still listed once; the server never exited", async () => {
      await ensureServer();
      const problems: string[] = [];
      for (const { topicId, acked } of results) {
        const ids = await retry("listPosts", () => listAllPostIds(user.client, topicId));
        const missing = acked.filter((id) => !ids.includes(id));
        if (missing.length) problems.push(`topic ${topicId}: ${missing.length} acknowledged posts missing`);
        if (new Set(ids).size !== ids.length) problems.push(`topic ${topicId}: a post listed twice`);
      }
      const total = results.reduce((n, r) => n + r.acked.length, 0);
      const allExits = [...exits, ...(server?.exits ?? [])];
      console.log(
        `[faults] ${total} acknowledged posts over ${results.length} outages; server exits: ${allExits.length}`,
      );
      expect.soft(problems).toEqual([]);
      expect.soft(allExits, "the API server never exited").toEqual([]);
    }, 60_000);
  },
);

/** Redis stream ids "ms-seq": is `a` after `b`? */
function eventIdAfter(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am > bm || (am === bm && as > bs);
}
