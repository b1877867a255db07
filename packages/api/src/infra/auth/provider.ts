import { defineChannel } from "../events/bus";

/** Request metadata stored with a session, shown in the session list. */
export interface SessionMeta {
  remember: boolean;
  userAgent: string | null;
  ip: string | null;
}

export interface IssuedSession {
  sessionId: string;
  /** The secret a client presents: cookie value or bearer token. Shown once. */
  token: string;
  expiresAt: Date;
}

export interface ResolvedSession {
  sessionId: string;
  userId: string;
  /** Set when the session's secret was rotated on this request: the caller re-sets the cookie. */
  rotated?: IssuedSession;
  remember: boolean;
}

export interface SessionRecord {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

/** The user columns a provider needs to check or set a password. */
export interface CredentialUser {
  id: string;
  email: string;
  passwordHash: string | null;
  externalId: string | null;
}

/** Columns to store on the user row after a credential change. */
export interface CredentialUpdate {
  passwordHash: string | null;
  externalId: string | null;
}

/**
 * Who proves a password and who keeps sessions. The built-in provider (argon2id + PostgreSQL
 * sessions) is the default; SuperTokens is used when a core is configured. Nothing above this
 * port (tRPC context, procedures, services) knows which one is active.
 */
export interface IdentityProvider {
  readonly name: "builtin" | "supertokens";
  createCredentials(user: { id: string; email: string }, password: string): Promise<CredentialUpdate>;
  verifyPassword(user: CredentialUser, password: string): Promise<boolean>;
  setPassword(user: CredentialUser, password: string): Promise<CredentialUpdate>;

  startSession(userId: string, meta: SessionMeta): Promise<IssuedSession>;
  /** null for an unknown, expired, revoked or forged token. `rotate` only for cookie sessions. */
  resolveSession(token: string, options: { rotate: boolean }): Promise<ResolvedSession | null>;
  /**
   * Whether a session (by id) is still live: not revoked, not expired. Cached like resolveSession;
   * a use (a call over an open WebSocket) slides its expiry as a request does.
   */
  sessionActive(sessionId: string): Promise<boolean>;
  /** Those of `sessionIds` no longer live, read fresh (and dropped from the cache). */
  endedSessions(sessionIds: readonly string[]): Promise<string[]>;
  listSessions(userId: string): Promise<SessionRecord[]>;
  /** Revokes one session, or all of a user's sessions except `exceptSessionId`. */
  revokeSessions(userId: string, which: { sessionId: string } | { exceptSessionId?: string }): Promise<number>;
}

/**
 * How long a node keeps a session, user, API key or user view it read. Every change is broadcast
 * (`authInvalidation`) and every node drops its copies at once, and all of them when the bus
 * reconnects (a broadcast may have been missed); this only bounds what a change made outside the
 * app keeps. Long enough that a user active every few seconds is served from memory: at the
 * 10 s this was, four requests in ten of the 1,000-user benchmark read PostgreSQL to authenticate.
 */
export const AUTH_CACHE_TTL_MS = 60_000;

/** Tells every node to drop cached sessions and users so revocations and role changes apply at once. */
export const authInvalidation = defineChannel<{
  userIds?: string[];
  /** Sessions that ended (signed out, revoked, expired by a password change or deactivation). */
  sessionIds?: string[];
  /** Sessions whose cookie secret changed: still live, but cached copies are stale. */
  rotatedSessionIds?: string[];
  apiKeyIds?: string[];
  /** Users whose profile (what their session view shows, not their access) changed. */
  profileUserIds?: string[];
  /** Organizations whose profile changed: their members' session views are stale. */
  organizationIds?: string[];
}>("auth.invalidate");
