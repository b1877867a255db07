import type { Config } from "./config";
import { BuiltinIdentityProvider } from "./infra/auth/builtin";
import type { IdentityProvider } from "./infra/auth/provider";
import { EventBus } from "./infra/events/bus";
import { Jobs } from "./infra/jobs/jobs";
import { createLogger, type Logger } from "./infra/logger";
import { Mailer } from "./infra/mail/mail";
import { connectMongo, ensureMongoIndexes, type Mongo } from "./infra/mongo/mongo";
import { createDb, type Db } from "./infra/postgres/db";
import { migrateToLatest } from "./infra/postgres/migrate";
import { createRateLimits, type RateLimits } from "./infra/ratelimit";
import { closeRedis, createRedis, type RedisClients } from "./infra/redis/redis";
import { createStorage, type Storage } from "./infra/storage";
import { mongoIndexes } from "./modules";
import { Authenticator } from "./modules/auth/authenticator";
import { repairPendingPosts } from "./modules/forums/service";

const REPAIR_POSTS_JOB = "forums.repairPendingPosts";

/** Everything a request or job may touch. Built once per process (or per test file) and passed down. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  mongo: Mongo;
  redis: RedisClients;
  events: EventBus;
  storage: Storage;
  jobs: Jobs;
  mail: Mailer;
  identity: IdentityProvider;
  authenticator: Authenticator;
  rateLimits: RateLimits;
}

export interface CreateDepsOptions {
  logger?: Logger;
  /** Run pending PostgreSQL migrations and create Mongo indexes before returning. */
  migrate?: boolean;
  /** Start this process's job worker (defaults to config.jobs.runWorker). */
  runWorker?: boolean;
}

export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<AppDeps> {
  const logger = options.logger ?? createLogger(config);
  const db = createDb(config.postgres);
  const redis = createRedis(config.redis, logger);
  // Independent connections open in parallel.
  const [mongo, storage] = await Promise.all([connectMongo(config.mongo), createStorage(config.storage)]);
  if (options.migrate) await Promise.all([migrateToLatest(db), ensureMongoIndexes(mongo.db, mongoIndexes)]);
  const jobs = new Jobs({ redisUrl: config.redis.url, prefix: config.redis.prefix, logger });
  const mail = new Mailer(db, jobs, config.mail);
  const events = new EventBus(redis, logger);
  const identity = await createIdentityProvider(config, db, events);
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
    authenticator: new Authenticator(db, identity, events, config),
    rateLimits: createRateLimits(redis, config),
  };
  if (options.runWorker ?? config.jobs.runWorker) {
    jobs.startWorker({ ...mail.jobHandlers, [REPAIR_POSTS_JOB]: () => repairPendingPosts(deps).then(() => undefined) });
    await jobs.schedule(REPAIR_POSTS_JOB, 5 * 60_000);
  }
  return deps;
}

/** SuperTokens when a core is configured, the built-in provider otherwise. */
async function createIdentityProvider(config: Config, db: Db, events: EventBus): Promise<IdentityProvider> {
  if (config.auth.supertokens) {
    const { SuperTokensIdentityProvider } = await import("./infra/auth/supertokens");
    return SuperTokensIdentityProvider.create(config, db, events);
  }
  return new BuiltinIdentityProvider(db, events, config.auth);
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.jobs.close();
  await Promise.allSettled([deps.db.destroy(), deps.mongo.client.close(), closeRedis(deps.redis)]);
  if ("close" in deps.storage && typeof deps.storage.close === "function") deps.storage.close();
}

export type { Db, Logger, Mongo, RedisClients, Storage };
