import type { Config } from "./config";
import type { Authenticator, Principal } from "./infra/auth/authenticator";
import type { IdentityProvider } from "./infra/auth/provider";
import type { EventBus } from "./infra/events/bus";
import type { Jobs } from "./infra/jobs/jobs";
import type { Logger } from "./infra/logger";
import type { Mailer } from "./infra/mail/mail";
import type { Metrics } from "./infra/metrics";
import type { Mongo } from "./infra/mongo/mongo";
import type { Db } from "./infra/postgres/db";
import type { Presence } from "./infra/presence/presence";
import type { RateLimits, RequestLimiter } from "./infra/ratelimit";
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
  /** Who is viewing what (forum topics…), per (scope, key); the scopes are declared in `modules/index.ts`. */
  presence: Presence<AppDeps>;
  rateLimits: RateLimits;
  /** The general request limit of /trpc, /api/v1 and /files (per IP and per user, burst and sustained). */
  requestLimiter: RequestLimiter;
  /** This node's Prometheus registry and series (GET /metrics). */
  metrics: Metrics;
  /** Content that holds uploaded files; the files module asks them who may download a file. */
  fileHolders: readonly FileHolder[];
}

/** An uploaded file as a holder sees it: enough to find the content holding it by primary key. */
export interface HeldFile {
  id: string;
  ownerId: string;
  organizationId: string;
}

/**
 * Content that holds uploaded files: a forum post's attachments, an organization's logo, a user's
 * avatar (later: direct messages, use cases). `visible` answers which of `files` the caller may
 * download because they may see content holding them. Each module declares its holder in
 * `modules/index.ts`; `modules/files/access.ts` asks them all (the uploader always sees their own).
 */
export interface FileHolder {
  /** What holds the files, for logs and docs: "forums.post", "organizations.logo"… */
  kind: string;
  visible(deps: AppDeps, caller: Principal, files: readonly HeldFile[]): Promise<Set<string>>;
}

export type { Db, Logger, Mongo, RedisClients, Storage };
