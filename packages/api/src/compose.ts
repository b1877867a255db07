import type { Config } from "./config";
import type { AppDeps } from "./deps";
import { Authenticator } from "./infra/auth/authenticator";
import { BuiltinIdentityProvider } from "./infra/auth/builtin";
import type { IdentityProvider } from "./infra/auth/provider";
import { EventBus } from "./infra/events/bus";
import { Jobs } from "./infra/jobs/jobs";
import { createLogger, type Logger } from "./infra/logger";
import { Mailer } from "./infra/mail/mail";
import { Metrics } from "./infra/metrics";
import { ensureFerretDbEqualityIndexes } from "./infra/mongo/ferretdb-indexes";
import { connectMongo, ensureMongoIndexes } from "./infra/mongo/mongo";
import { createDb, type Db, poolOf } from "./infra/postgres/db";
import { migrateToLatest } from "./infra/postgres/migrate";
import { Presence } from "./infra/presence/presence";
import { createRateLimits, RequestLimiter } from "./infra/ratelimit";
import { closeRedis, createRedis } from "./infra/redis/redis";
import { createStorage } from "./infra/storage";
import { settleWithin } from "./lib/timeout";
import {
  accountLookup,
  externalAccounts,
  fileHolders,
  moduleJobs,
  moduleWatchers,
  mongoIndexes,
  notificationKinds,
  presenceScopes,
} from "./modules";

/** The composition root: infrastructure plus what modules declare in `modules/index.ts`. */
export interface CreateDepsOptions {
  logger?: Logger;
  /** Run pending PostgreSQL migrations and create Mongo indexes before returning. */
  migrate?: boolean;
}

/**
 * Migrations on a connection of their own, without the app's statement limit: one may rewrite a
 * large table (0021 regenerates the search documents of every post: minutes at 1M posts), and
 * under the limit the server would fail to start after every upgrade.
 */
async function migrateWithoutTimeout(url: string, logger: Logger): Promise<void> {
  const db = createDb({ url, poolSize: 1, logger });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? createLogger(config);
  const metrics = new Metrics();
  // A statement running longer than 30 s is a bug or a lock pile-up; it fails instead of holding a
  // connection. (Migrations run on a connection without it: migrateWithoutTimeout.)
  const db = createDb({ ...config.postgres, logger, statementTimeoutMs: 30_000 });
  const redis = createRedis(config.redis, logger);
  // Independent connections open in parallel.
  const [mongo, storage] = await Promise.all([
    connectMongo({ ...config.mongo, logger, metrics }),
    createStorage(config.storage),
  ]);
  if (options.migrate) {
    const { ferretDbPostgresUrl, dbName } = config.mongo;
    await Promise.all([
      migrateWithoutTimeout(config.postgres.url, logger),
      ensureMongoIndexes(mongo.db, mongoIndexes).then(async () => {
        if (ferretDbPostgresUrl) await ensureFerretDbEqualityIndexes(ferretDbPostgresUrl, dbName, mongoIndexes);
      }),
    ]);
  }
  const jobs = new Jobs({ redisUrl: config.redis.url, prefix: config.redis.prefix, logger, metrics });
  const mail = new Mailer(db, jobs, config.mail);
  const events = new EventBus(redis, logger, { metrics });
  const identity = await createIdentityProvider(config, db, events);
  const presence = new Presence<AppDeps>(redis, logger, presenceScopes);
  const deps: AppDeps = {
    config,
    logger,
    db,
    mongo,
    redis,
    events,
    storage,
    jobs,
    mail,
    identity,
    authenticator: new Authenticator(accountLookup(db), identity, events, config),
    rateLimits: createRateLimits(redis, config),
    requestLimiter: new RequestLimiter(redis, config.limits.requests, logger),
    metrics,
    presence,
    fileHolders,
    notificationKinds,
  };
  presence.start(deps);
  for (const watch of moduleWatchers) watch(deps);
  const pool = poolOf(db);
  if (pool) {
    metrics.watchStores({
      postgres: pool,
      postgresMax: config.postgres.poolSize,
      redis: { command: redis.command, subscriber: redis.subscriber },
      jobs,
      deferredEvents: () => events.deferredCount,
    });
  }
  return deps;
}

/** Starts this process's job worker: the mailer's jobs and every module's, with their schedules. */
export async function startWorkers(deps: AppDeps): Promise<void> {
  const handlers = Object.fromEntries(
    moduleJobs.map((job) => [job.name, (data: unknown) => job.run(deps, data).then(() => undefined)]),
  );
  deps.jobs.startWorker({ ...deps.mail.jobHandlers, ...handlers });
  await Promise.all([
    ...moduleJobs.map((job) => job.everyMs && deps.jobs.schedule(job.name, job.everyMs)),
    ...Object.entries(deps.mail.schedules).map(([name, everyMs]) => deps.jobs.schedule(name, everyMs)),
  ]);
}

/** SuperTokens when a core is configured, the built-in provider otherwise. */
async function createIdentityProvider(config: Config, db: Db, events: EventBus): Promise<IdentityProvider> {
  if (config.auth.supertokens) {
    const { SuperTokensIdentityProvider } = await import("./infra/auth/supertokens");
    return SuperTokensIdentityProvider.create(config, externalAccounts(db), events);
  }
  return new BuiltinIdentityProvider(db, events, config.auth);
}

/** Time one close step may take; a store that is gone must not hold the process (SIGTERM). */
const CLOSE_STEP_MS = 2_000;

/**
 * Closes every adapter, each step time-boxed, so it returns within a few seconds even when every
 * store is unreachable (BullMQ, pg-pool and the Mongo driver may otherwise wait for them).
 */
export async function closeDeps(deps: AppDeps): Promise<void> {
  const step = async (name: string, close: () => Promise<unknown>) => {
    if (!(await settleWithin(Promise.resolve().then(close), CLOSE_STEP_MS)))
      deps.logger.warn({ step: name, timeoutMs: CLOSE_STEP_MS }, "close step timed out");
  };
  // Workers and presence first (they still use the stores), then the stores: at most two steps.
  deps.authenticator.close();
  await Promise.all([
    step("jobs", () => deps.jobs.close(CLOSE_STEP_MS - 500)),
    step("presence", () => deps.presence.close()),
  ]);
  await Promise.all([
    step("postgres", () => deps.db.destroy()),
    step("mongo", () => deps.mongo.client.close()),
    step("redis", () => closeRedis(deps.redis)),
  ]);
  if ("close" in deps.storage && typeof deps.storage.close === "function") deps.storage.close();
}
