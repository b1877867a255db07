import type { Role } from "@p2p/schemas";
import { parse, serialize } from "hono/utils/cookie";
import type { Config } from "../../config";
import { safeEqual, sha256, splitToken } from "../../infra/auth/crypto";
import { authInvalidation, type IdentityProvider, type IssuedSession } from "../../infra/auth/provider";
import { TtlCache } from "../../infra/auth/ttl-cache";
import type { EventBus } from "../../infra/events/bus";
import type { Db } from "../../infra/postgres/db";

export const SESSION_COOKIE = "p2p_session";
export const CSRF_COOKIE = "p2p_csrf";
export const CSRF_HEADER = "x-csrf-token";
export const API_KEY_PREFIX = "p2pk_";

/** Who is calling, resolved once per request (HTTP) or connection (WebSocket). */
export interface Principal {
  userId: string;
  organizationId: string;
  role: Role;
  isModerator: boolean;
  emailVerified: boolean;
  via: "cookie" | "bearer" | "apiKey";
  sessionId: string | null;
  apiKeyId: string | null;
  /** Expected anti-CSRF header value for cookie sessions. */
  csrfToken: string | null;
}

interface UserAuth {
  organizationId: string;
  role: Role;
  isModerator: boolean;
  emailVerified: boolean;
  active: boolean;
}

interface ApiKeyAuth {
  organizationId: string;
  createdBy: string;
  role: Role;
  secretHash: string;
  lastUsedAt: Date | null;
}

export interface AuthRequest {
  headers: Headers;
  connectionParams?: Record<string, string | undefined> | null;
  transport: "http" | "ws";
}

/** After a role, status or verification change, every node reloads these users' principals. */
export const invalidateUsers = (events: EventBus, userIds: string[]) =>
  events.broadcast(authInvalidation, "all", { userIds });

export const csrfTokenFor = (sessionToken: string) => sha256(`csrf:${sessionToken}`).slice(0, 32);

/**
 * Turns a request's credentials (bearer token, API key, or session cookie) into a Principal.
 * Users and API keys are cached in-process for a few seconds and dropped on every node when they
 * change, so an authenticated request usually touches no database at all.
 */
export class Authenticator {
  private readonly users = new TtlCache<UserAuth | null>(10_000);
  private readonly apiKeys = new TtlCache<ApiKeyAuth | null>(10_000);

  constructor(
    private readonly db: Db,
    private readonly identity: IdentityProvider,
    events: EventBus,
    private readonly config: Pick<Config, "corsOrigins" | "publicUrl"> & { auth: Config["auth"] },
  ) {
    events.subscribe(authInvalidation, "all", ({ data }) => {
      for (const id of data.userIds ?? []) this.users.delete(id);
      for (const id of data.apiKeyIds ?? []) this.apiKeys.delete(id);
    });
  }

  /** Resolves the caller; `setCookies` carries a rotated session cookie to send back. */
  async authenticate(req: AuthRequest): Promise<{ principal: Principal | null; setCookies: string[] }> {
    const bearer = req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.connectionParams?.token;
    if (bearer) {
      const principal = bearer.startsWith(API_KEY_PREFIX)
        ? await this.fromApiKey(bearer.slice(API_KEY_PREFIX.length))
        : await this.fromSession(bearer, "bearer");
      return { principal: principal?.principal ?? null, setCookies: [] };
    }
    const cookie = parse(req.headers.get("cookie") ?? "", SESSION_COOKIE)[SESSION_COOKIE];
    // A browser page on another origin could open a WebSocket with the user's cookie: refuse that.
    if (!cookie || (req.transport === "ws" && !this.originAllowed(req.headers.get("origin")))) {
      return { principal: null, setCookies: [] };
    }
    const resolved = await this.fromSession(cookie, "cookie");
    if (!resolved) return { principal: null, setCookies: [] };
    return {
      principal: resolved.principal,
      setCookies:
        resolved.rotated && req.transport === "http" ? this.sessionCookies(resolved.rotated, resolved.remember) : [],
    };
  }

  private originAllowed(origin: string | null): boolean {
    return (
      origin === null || origin === new URL(this.config.publicUrl).origin || this.config.corsOrigins.includes(origin)
    );
  }

  private async fromSession(token: string, via: "cookie" | "bearer") {
    const session = await this.identity.resolveSession(token, { rotate: via === "cookie" });
    if (!session) return null;
    const user = await this.user(session.userId);
    if (!user?.active) return null;
    const presented = session.rotated?.token ?? token;
    const principal: Principal = {
      userId: session.userId,
      organizationId: user.organizationId,
      role: user.role,
      isModerator: user.isModerator,
      emailVerified: user.emailVerified,
      via,
      sessionId: session.sessionId,
      apiKeyId: null,
      csrfToken: via === "cookie" ? csrfTokenFor(presented) : null,
    };
    return { principal, rotated: session.rotated, remember: session.remember };
  }

  /** An API key acts as the admin who created it, limited to the key's role and organization. */
  private async fromApiKey(token: string): Promise<{ principal: Principal } | null> {
    const parts = splitToken(token);
    if (!parts) return null;
    let key = this.apiKeys.get(parts.id);
    if (key === undefined) {
      key =
        (await this.db
          .selectFrom("apiKeys")
          .select(["organizationId", "createdBy", "role", "secretHash", "lastUsedAt"])
          .where("id", "=", parts.id)
          .where("revokedAt", "is", null)
          .executeTakeFirst()) ?? null;
      this.apiKeys.set(parts.id, key);
    }
    if (!key || !safeEqual(sha256(parts.secret), key.secretHash)) return null;
    const creator = await this.user(key.createdBy);
    if (!creator?.active || creator.organizationId !== key.organizationId) return null;
    // Admins see "last used" with hourly precision; stamping the cached row first keeps every other
    // request on this node write-free until the hour is up.
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60 * 60 * 1000) {
      key.lastUsedAt = new Date();
      await this.db.updateTable("apiKeys").set({ lastUsedAt: key.lastUsedAt }).where("id", "=", parts.id).execute();
    }
    return {
      principal: {
        userId: key.createdBy,
        organizationId: key.organizationId,
        role: creator.role === "admin" ? key.role : "member",
        isModerator: false,
        emailVerified: true,
        via: "apiKey",
        sessionId: null,
        apiKeyId: parts.id,
        csrfToken: null,
      },
    };
  }

  private async user(userId: string): Promise<UserAuth | null> {
    const cached = this.users.get(userId);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom("users")
      .select(["organizationId", "role", "isModerator", "emailVerifiedAt", "status", "lastActiveAt"])
      .where("id", "=", userId)
      .executeTakeFirst();
    const user = row
      ? {
          organizationId: row.organizationId,
          role: row.role,
          isModerator: row.isModerator,
          emailVerified: row.emailVerifiedAt !== null,
          active: row.status === "active",
        }
      : null;
    this.users.set(userId, user);
    // "Active in the last 30 days" needs only coarse precision: record it at most hourly.
    if (row && (!row.lastActiveAt || Date.now() - row.lastActiveAt.getTime() > 60 * 60 * 1000)) {
      await this.db.updateTable("users").set({ lastActiveAt: new Date() }).where("id", "=", userId).execute();
    }
    return user;
  }

  /** Set-Cookie values for a session: the httpOnly session cookie and the readable anti-CSRF cookie. */
  sessionCookies(session: IssuedSession, remember: boolean): string[] {
    const common = {
      path: "/",
      sameSite: "Lax" as const,
      secure: this.config.auth.secureCookies,
      ...(remember ? { expires: session.expiresAt } : {}),
    };
    return [
      serialize(SESSION_COOKIE, session.token, { ...common, httpOnly: true }),
      serialize(CSRF_COOKIE, csrfTokenFor(session.token), common),
    ];
  }

  clearCookies(): string[] {
    const expired = { path: "/", maxAge: 0, sameSite: "Lax" as const, secure: this.config.auth.secureCookies };
    return [serialize(SESSION_COOKIE, "", { ...expired, httpOnly: true }), serialize(CSRF_COOKIE, "", expired)];
  }
}
