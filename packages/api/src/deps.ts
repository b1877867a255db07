import type { Config } from "./config";
import type { Authenticator } from "./infra/auth/authenticator";
import type { IdentityProvider } from "./infra/auth/provider";
import type { EventBus } from "./infra/events/bus";
import type { Jobs } from "./infra/jobs/jobs";
import type { Logger } from "./infra/logger";
import type { Mailer } from "./infra/mail/mail";
import type { Mongo } from "./infra/mongo/mongo";
import type { Db } from "./infra/postgres/db";
import type { RateLimits } from "./infra/ratelimit";
import type { RedisClients } from "./infra/redis/redis";
import type { Storage } from "./infra/storage";

/**
 * Everything a request or job may touch. Built once per process (or per test file) by
 * `compose.ts` and passed down. Types only: modules import this file, it imports no module.
 */
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

export type { Db, Logger, Mongo, RedisClients, Storage };
