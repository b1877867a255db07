import type { Config } from "./config";
import type { AppDeps } from "./deps";
import { Authenticator } from "./infra/auth/authenticator";
import { BuiltinIdentityProvider } from "./infra/auth/builtin";
import type { IdentityProvider } from "./infra/auth/provider";
import { EventBus } from "./infra/events/bus";
import { Jobs } from "./infra/jobs/jobs";
import { createLogger, type Logger } from "./infra/logger";
import { Mailer } from "./infra/mail/mail";
import { connectMongo, ensureMongoIndexes } from "./infra/mongo/mongo";
import { createDb, type Db } from "./infra/postgres/db";
import { migrateToLatest } from "./infra/postgres/migrate";
import { createRateLimits } from "./infra/ratelimit";
import { closeRedis, createRedis } from "./infra/redis/redis";
import { createStorage } from "./infra/storage";
import { accountLookup, externalAccounts, fileHolders, moduleJobs, mongoIndexes } from "./modules";

/** The composition root: infrastructure plus what modules declare in `modules/index.ts`. */
export interface CreateDepsOptions {
  logger?: Logger;
  /** Run pending PostgreSQL migrations and create Mongo indexes before returning. */
  migrate?: boolean;
}

export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? createLogger(config);
  const db = createDb({ ...config.postgres, logger });
  const redis = createRedis(config.redis, logger);
  // Independent connections open in parallel.
  const [mongo, storage] = await Promise.all([connectMongo(config.mongo), createStorage(config.storage)]);
  if (options.migrate) await Promise.all([migrateToLatest(db), ensureMongoIndexes(mongo.db, mongoIndexes)]);
  const jobs = new Jobs({ redisUrl: config.redis.url, prefix: config.redis.prefix, logger });
  const mail = new Mailer(db, jobs, config.mail);
  const events = new EventBus(redis, logger);
  const identity = await createIdentityProvider(config, db, events);
  return {
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
    fileHolders,
  };
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

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.jobs.close();
  await Promise.allSettled([deps.db.destroy(), deps.mongo.client.close(), closeRedis(deps.redis)]);
  if ("close" in deps.storage && typeof deps.storage.close === "function") deps.storage.close();
}
