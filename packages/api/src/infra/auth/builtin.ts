import { v7 as uuidv7 } from "uuid";
import type { Config } from "../../config";
import type { EventBus } from "../events/bus";
import type { Db } from "../postgres/db";
import { randomToken, safeEqual, sha256, splitToken } from "./crypto";
import { PasswordHasher } from "./password";
import {
  AUTH_CACHE_TTL_MS,
  authInvalidation,
  type CredentialUser,
  type IdentityProvider,
  type IssuedSession,
  type ResolvedSession,
  type SessionMeta,
  type SessionRecord,
} from "./provider";
import { TtlCache } from "./ttl-cache";

interface CachedSession {
  userId: string;
  secretHash: string;
  previousSecretHash: string | null;
  remember: boolean;
  lastUsedAt: number;
  rotatedAt: number;
  expiresAt: number;
  /** When it must end whatever its use: created + MAX_LIFETIME_MS. */
  endsBy: number;
}

const SLIDE_EVERY_MS = 5 * 60 * 1000;
const ROTATION_GRACE_MS = 2 * 60 * 1000;
const MAX_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;
/** Live sessions a user keeps (each device, script and browser is one): all fit one list. */
const MAX_SESSIONS = 100;

/**
 * argon2id passwords and server-side sessions in PostgreSQL (secrets stored hashed). Resolved
 * sessions are cached in-process (AUTH_CACHE_TTL_MS) and dropped on every node when revoked, so a
 * request does not touch PostgreSQL, yet a revocation applies everywhere at once.
 */
export class BuiltinIdentityProvider implements IdentityProvider {
  readonly name = "builtin" as const;
  private readonly hasher: PasswordHasher;
  private readonly cache = new TtlCache<CachedSession | null>(AUTH_CACHE_TTL_MS);

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly config: Config["auth"],
  ) {
    this.hasher = new PasswordHasher(config.passwordHash);
    events.subscribe(authInvalidation, "all", ({ data }) => {
      for (const id of [...(data.sessionIds ?? []), ...(data.rotatedSessionIds ?? [])]) this.cache.delete(id);
      if (data.userIds?.length) {
        const users = new Set(data.userIds);
        this.cache.deleteWhere((s) => s !== null && users.has(s.userId));
      }
    });
    events.onReconnect(() => this.cache.clear());
  }

  async createCredentials(_user: { id: string; email: string }, password: string) {
    return { passwordHash: await this.hasher.hash(password), externalId: null };
  }

  verifyPassword(user: CredentialUser, password: string): Promise<boolean> {
    return this.hasher.verify(user.passwordHash, password);
  }

  async setPassword(_user: CredentialUser, password: string) {
    return { passwordHash: await this.hasher.hash(password), externalId: null };
  }

  private ttl(remember: boolean): number {
    return remember ? this.config.rememberTtlMs : this.config.sessionTtlMs;
  }

  async startSession(userId: string, meta: SessionMeta): Promise<IssuedSession> {
    const sessionId = uuidv7();
    const secret = randomToken();
    const expiresAt = new Date(Date.now() + this.ttl(meta.remember));
    await this.db
      .insertInto("sessions")
      .values({
        id: sessionId,
        userId,
        secretHash: sha256(secret),
        remember: meta.remember,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
        ip: meta.ip,
        expiresAt,
      })
      .execute();
    await this.revokeBeyondCap(userId);
    return { sessionId, token: `${sessionId}.${secret}`, expiresAt };
  }

  /** A user keeps at most MAX_SESSIONS live sessions: a new one ends the least recently used beyond. */
  private async revokeBeyondCap(userId: string): Promise<void> {
    const revoked = await this.db
      .updateTable("sessions")
      .set({ revokedAt: new Date() })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("sessions")
          .select("id")
          .where("userId", "=", userId)
          .where("revokedAt", "is", null)
          .where("expiresAt", ">", new Date())
          .orderBy("lastUsedAt", "desc")
          .orderBy("id", "desc")
          .offset(MAX_SESSIONS),
      )
      .returning("id")
      .execute();
    if (revoked.length) await this.events.broadcast(authInvalidation, "all", { sessionIds: revoked.map((r) => r.id) });
  }

  /**
   * The session, cached (null: none live). Through `TtlCache.load`: a read that a revocation's
   * broadcast overtook (the row read just before the revocation committed) is not kept.
   */
  private load(sessionId: string): Promise<CachedSession | null> {
    return this.cache.load(sessionId, () => this.read(sessionId));
  }

  private async read(sessionId: string): Promise<CachedSession | null> {
    const row = await this.db
      .selectFrom("sessions")
      .select([
        "userId",
        "secretHash",
        "previousSecretHash",
        "remember",
        "lastUsedAt",
        "rotatedAt",
        "expiresAt",
        "createdAt",
      ])
      .where("id", "=", sessionId)
      .where("revokedAt", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    const { createdAt, ...rest } = row;
    const session = {
      ...rest,
      lastUsedAt: row.lastUsedAt.getTime(),
      rotatedAt: row.rotatedAt.getTime(),
      expiresAt: row.expiresAt.getTime(),
      endsBy: createdAt.getTime() + MAX_LIFETIME_MS,
    };
    return session;
  }

  async resolveSession(token: string, options: { rotate: boolean }): Promise<ResolvedSession | null> {
    const parts = splitToken(token);
    if (!parts) return null;
    let session = await this.load(parts.id);
    const now = Date.now();
    const hash = sha256(parts.secret);
    const matches = (s: CachedSession) => ({
      current: safeEqual(hash, s.secretHash),
      previous:
        s.previousSecretHash !== null && now - s.rotatedAt < ROTATION_GRACE_MS && safeEqual(hash, s.previousSecretHash),
    });
    let match = session && matches(session);
    // A secret this node has not seen may come from a rotation on another node whose broadcast is
    // still on its way: read the row once more before refusing it.
    if (session && match && !match.current && !match.previous) {
      this.cache.delete(parts.id);
      session = await this.load(parts.id);
      match = session && matches(session);
    }
    if (!session || !match || session.expiresAt <= now || (!match.current && !match.previous)) return null;
    const current = match.current;

    const resolved: ResolvedSession = { sessionId: parts.id, userId: session.userId, remember: session.remember };
    if (options.rotate && current && now - session.rotatedAt > this.config.rotateAfterMs) {
      resolved.rotated = await this.rotate(parts.id, session);
    } else if (now - session.lastUsedAt > SLIDE_EVERY_MS) {
      await this.slide(parts.id, session);
    }
    return resolved;
  }

  async sessionActive(sessionId: string): Promise<boolean> {
    const session = await this.load(sessionId);
    const now = Date.now();
    if (session === null || session.expiresAt <= now) return false;
    if (now - session.lastUsedAt > SLIDE_EVERY_MS) await this.slide(sessionId, session);
    return true;
  }

  async endedSessions(sessionIds: readonly string[]): Promise<string[]> {
    const live = new Set<string>();
    for (let i = 0; i < sessionIds.length; i += 1_000) {
      const rows = await this.db
        .selectFrom("sessions")
        .select("id")
        .where("id", "in", sessionIds.slice(i, i + 1_000))
        .where("revokedAt", "is", null)
        .where("expiresAt", ">", new Date())
        .execute();
      for (const { id } of rows) live.add(id);
    }
    const ended = sessionIds.filter((id) => !live.has(id));
    for (const id of ended) this.cache.delete(id);
    return ended;
  }

  /** The expiry a use at `now` gives: a TTL more, never past the session's maximum lifetime, never earlier. */
  private extended(session: CachedSession, now: number): number {
    return Math.max(session.expiresAt, Math.min(now + this.ttl(session.remember), session.endsBy));
  }

  /** Sliding expiry, written at most every few minutes per session. */
  private async slide(sessionId: string, session: CachedSession): Promise<void> {
    const now = Date.now();
    session.lastUsedAt = now;
    session.expiresAt = this.extended(session, now);
    await this.db
      .updateTable("sessions")
      .set({ lastUsedAt: new Date(now), expiresAt: new Date(session.expiresAt) })
      .where("id", "=", sessionId)
      .execute();
  }

  /**
   * A new secret for a cookie session, the old one kept valid for a grace period. Compare-and-set
   * on the current secret: when two nodes rotate at once, one wins and the other keeps serving the
   * presented (now previous) secret. Every node drops its cached copy, so the new cookie works
   * everywhere at once.
   */
  private async rotate(sessionId: string, session: CachedSession): Promise<IssuedSession | undefined> {
    const secret = randomToken();
    const now = Date.now();
    const expiresAt = new Date(this.extended(session, now));
    const won = await this.db
      .updateTable("sessions")
      .set({
        previousSecretHash: session.secretHash,
        secretHash: sha256(secret),
        rotatedAt: new Date(now),
        lastUsedAt: new Date(now),
        expiresAt,
      })
      .where("id", "=", sessionId)
      .where("secretHash", "=", session.secretHash)
      .where("revokedAt", "is", null)
      .executeTakeFirst();
    this.cache.delete(sessionId);
    await this.events.broadcast(authInvalidation, "all", { rotatedSessionIds: [sessionId] });
    if (!won.numUpdatedRows) return undefined;
    return { sessionId, token: `${sessionId}.${secret}`, expiresAt };
  }

  async listSessions(userId: string): Promise<SessionRecord[]> {
    return this.db
      .selectFrom("sessions")
      .select(["id", "userAgent", "ip", "createdAt", "lastUsedAt", "expiresAt"])
      .where("userId", "=", userId)
      .where("revokedAt", "is", null)
      .where("expiresAt", ">", new Date())
      .orderBy("lastUsedAt", "desc")
      .limit(MAX_SESSIONS)
      .execute();
  }

  async revokeSessions(userId: string, which: { sessionId: string } | { exceptSessionId?: string }): Promise<number> {
    let query = this.db
      .updateTable("sessions")
      .set({ revokedAt: new Date() })
      .where("userId", "=", userId)
      .where("revokedAt", "is", null);
    if ("sessionId" in which) query = query.where("id", "=", which.sessionId);
    else if (which.exceptSessionId) query = query.where("id", "!=", which.exceptSessionId);
    const revoked = await query.returning("id").execute();
    if (revoked.length) await this.events.broadcast(authInvalidation, "all", { sessionIds: revoked.map((r) => r.id) });
    return revoked.length;
  }
}
