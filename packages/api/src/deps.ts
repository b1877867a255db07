import type { EmailFrequency, NotificationTarget, NotificationType } from "@p2p/schemas";
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
  /** Kinds of notification, declared by their modules (`modules/index.ts`). */
  notificationKinds: readonly NotificationKind[];
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
  /**
   * Which of these files it shows now, where a foreign key does not already say so: its uploader
   * cannot delete them (a post or a message would lose what it says, a message could end up empty).
   */
  holds?(db: Db, files: readonly HeldFile[]): Promise<Set<string>>;
}

export type { Db, Logger, Mongo, RedisClients, Storage };

/** A stored notification as its kind sees it: what it points at. */
export interface NotificationRef {
  id: string;
  subjectId: string | null;
  data: Record<string, unknown>;
}

/**
 * A kind of notification (a reply, a direct message…), declared by the module that causes it in
 * `modules/index.ts`: its preference's label and defaults, its text, and what each notification
 * points at as the reader may see it now (read time, so a renamed topic shows its new title).
 */
export interface NotificationKind {
  type: NotificationType;
  /** What the preference is about, for people: "Replies to your posts". */
  label: string;
  defaults: { inApp: boolean; email: EmailFrequency };
  /** One line for people; `actor` is a name, `target` the target's title. */
  text(actor: string, target: string, data: Record<string, unknown>): string;
  /**
   * Each notification's target as its reader, a member of `reader.organizationId`, may see it now,
   * by notification id: its link and title, "gone" when it was deleted (the notification says so),
   * absent when the reader may no longer see it (the notification is not shown). It depends on the
   * reader's organization only (each notification is already its own reader's): one call serves the
   * notifications of every reader of the organization.
   */
  targets(
    deps: AppDeps,
    reader: { organizationId: string },
    items: readonly NotificationRef[],
  ): Promise<Map<string, NotificationTarget | "gone">>;
}
