import type { Role } from "@p2p/schemas";
import { parse, serialize } from "hono/utils/cookie";
import type { Config } from "../../config";
import type { EventBus } from "../events/bus";
import { safeEqual, sha256, splitToken } from "./crypto";
import { AUTH_CACHE_TTL_MS, authInvalidation, type IdentityProvider, type IssuedSession } from "./provider";
import { TtlCache } from "./ttl-cache";

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

/** What the authenticator needs to know about a user to build a Principal. */
export interface UserAuth {
  organizationId: string;
  role: Role;
  isModerator: boolean;
  emailVerified: boolean;
  active: boolean;
  lastActiveAt: Date | null;
}

/** An unrevoked API key. */
export interface ApiKeyAuth {
  organizationId: string;
  createdBy: string;
  role: Role;
  secretHash: string;
  lastUsedAt: Date | null;
}

/**
 * The authenticator's view of users and API keys. Their tables belong to the users and apiKeys
 * modules, which implement this port (`modules/index.ts`); the authenticator only caches.
 */
export interface AccountLookup {
  user(userId: string): Promise<UserAuth | null>;
  /** Stamps "last active" (coarse: the caller does it at most hourly). */
  markUserActive(userId: string, at: Date): Promise<void>;
  apiKey(keyId: string): Promise<ApiKeyAuth | null>;
  markApiKeyUsed(keyId: string, at: Date): Promise<void>;
}

/** Told when a watched principal's session, API key or user may have changed (`Authenticator.watch`). */
export interface Watcher {
  changed(): void;
}

type WatchedPrincipal = Pick<Principal, "userId" | "sessionId" | "apiKeyId">;
/** An id's watchers: the one, or a Set of several. */
type Watched = Watcher | Set<Watcher>;

function addWatcher(map: Map<string, Watched>, id: string, watcher: Watcher): void {
  const current = map.get(id);
  if (!current) map.set(id, watcher);
  else if (current instanceof Set) current.add(watcher);
  else if (current !== watcher) map.set(id, new Set([current, watcher]));
}

function removeWatcher(map: Map<string, Watched>, id: string, watcher: Watcher): void {
  const current = map.get(id);
  if (current === watcher) map.delete(id);
  else if (current instanceof Set) {
    current.delete(watcher);
    if (current.size === 0) map.delete(id);
  }
}

function notify(map: Map<string, Watched>, id: string): void {
  const current = map.get(id);
  if (current instanceof Set) for (const watcher of current) watcher.changed();
  else current?.changed();
}

export interface AuthRequest {
  headers: Pick<Headers, "get">;
  connectionParams?: Record<string, string | undefined> | null;
  transport: "http" | "ws";
}

/** After a role, status or verification change, every node reloads these users' principals. */
export const invalidateUsers = (events: EventBus, userIds: string[]) =>
  events.broadcast(authInvalidation, "all", { userIds });

/** After a profile change (names, avatar, second factor…: not access), every node reloads these users' views. */
export const invalidateProfiles = (events: EventBus, userIds: string[]) =>
  events.broadcast(authInvalidation, "all", { profileUserIds: userIds });

/** After an organization's profile changed, every node reloads its members' views. */
export const invalidateOrganizations = (events: EventBus, organizationIds: string[]) =>
  events.broadcast(authInvalidation, "all", { organizationIds });

/**
 * A read about one user that depends only on that user's and their organization's rows (the
 * session view of `auth.me`), cached by `Authenticator.userView`. The type parameter is the value.
 */
export interface UserView<V> {
  readonly name: string;
  /** Type only: ties a view to its value's type. */
  readonly value?: V;
}
export const defineUserView = <V>(name: string): UserView<V> => ({ name });

export const csrfTokenFor = (sessionToken: string) => sha256(`csrf:${sessionToken}`).slice(0, 32);

/**
 * Turns a request's credentials (bearer token, API key, or session cookie) into a Principal.
 * Users and API keys are cached in-process (AUTH_CACHE_TTL_MS) and dropped on every node when they
 * change, so an authenticated request usually touches no database at all.
 */
export class Authenticator {
  private readonly users = new TtlCache<UserAuth | null>(AUTH_CACHE_TTL_MS);
  private readonly apiKeys = new TtlCache<ApiKeyAuth | null>(AUTH_CACHE_TTL_MS);
  /** `userView` values by view name and user id, with the user's organization (dropped with it). */
  private readonly views = new TtlCache<{ organizationId: string; value: unknown }>(AUTH_CACHE_TTL_MS);
  private readonly viewNames = new Set<string>();
  /**
   * Who waits for changes behind a principal, by its user, session and API key id: one bus listener
   * per node serves every subscription on it. An id's one watcher is kept as it is, a Set only once
   * there are several (a node holds one per open subscription).
   */
  private readonly watchers = {
    user: new Map<string, Watched>(),
    session: new Map<string, Watched>(),
    key: new Map<string, Watched>(),
  };
  /** A session that expires sends no broadcast: the sessions watched are checked every minute. */
  private readonly expirySweep = setInterval(() => void this.endExpiredWatches(), 60_000).unref();

  constructor(
    private readonly accounts: AccountLookup,
    private readonly identity: IdentityProvider,
    events: EventBus,
    private readonly config: Pick<Config, "corsOrigins" | "publicUrl"> & { auth: Config["auth"] },
  ) {
    events.subscribe(authInvalidation, "all", ({ data }) => {
      for (const id of data.userIds ?? []) this.users.delete(id);
      for (const id of data.apiKeyIds ?? []) this.apiKeys.delete(id);
      for (const id of [...(data.userIds ?? []), ...(data.profileUserIds ?? [])]) {
        for (const name of this.viewNames) this.views.delete(`${name}:${id}`);
      }
      if (data.organizationIds?.length) {
        const orgs = new Set(data.organizationIds);
        this.views.deleteWhere((entry) => orgs.has(entry.organizationId));
      }
      const { user, key, session } = this.watchers;
      for (const id of data.userIds ?? []) notify(user, id);
      for (const id of data.apiKeyIds ?? []) notify(key, id);
      for (const id of data.sessionIds ?? []) notify(session, id);
    });
    events.onReconnect(() => {
      this.users.clear();
      this.apiKeys.clear();
      this.views.clear();
    });
  }

  /**
   * `read()`'s answer about a user, cached on this node like the principal (AUTH_CACHE_TTL_MS) and
   * dropped on every node whenever the user's access or profile, or their organization, changes
   * (`invalidateUsers`, `invalidateProfiles`, `invalidateOrganizations`): every write that changes
   * what a view shows broadcasts one of them once committed.
   */
  async userView<V>(view: UserView<V>, user: Pick<Principal, "userId" | "organizationId">, read: () => Promise<V>) {
    this.viewNames.add(view.name);
    const entry = await this.views.load(`${view.name}:${user.userId}`, async () => ({
      organizationId: user.organizationId,
      value: await read(),
    }));
    return entry.value as V;
  }

  /**
   * `userView` for many users at once: the cached views, and `read(missing)`'s for the others in
   * one call (each with the user's organization, which drops it with its profile). A user `read`
   * does not answer has no entry.
   */
  async userViews<V>(
    view: UserView<V>,
    userIds: Iterable<string>,
    read: (missing: string[]) => Promise<Map<string, { organizationId: string; value: V }>>,
  ): Promise<Map<string, V>> {
    this.viewNames.add(view.name);
    const prefix = `${view.name}:`;
    const entries = await this.views.loadMany(
      [...new Set(userIds)].map((id) => prefix + id),
      async (missing) => {
        const found = await read(missing.map((key) => key.slice(prefix.length)));
        return new Map([...found].map(([id, entry]) => [prefix + id, entry]));
      },
    );
    return new Map([...entries].map(([key, entry]) => [key.slice(prefix.length), entry.value as V]));
  }

  /**
   * Tells whoever watches a session that ended without a broadcast (it expired, or the broadcast
   * was lost): their streams re-read the caller and end. Runs every minute; a store that is down
   * leaves it to the next run.
   */
  async endExpiredWatches(): Promise<void> {
    const ids = [...this.watchers.session.keys()];
    if (!ids.length) return;
    const ended = await this.identity.endedSessions(ids).catch(() => []);
    for (const id of ended) notify(this.watchers.session, id);
  }

  close(): void {
    clearInterval(this.expirySweep);
  }

  /** Tells `watcher` whenever the principal's session, API key or user may have changed, until `unwatch`. */
  watch(principal: WatchedPrincipal, watcher: Watcher): void {
    const { user, session, key } = this.watchers;
    addWatcher(user, principal.userId, watcher);
    if (principal.sessionId) addWatcher(session, principal.sessionId, watcher);
    if (principal.apiKeyId) addWatcher(key, principal.apiKeyId, watcher);
  }

  /** Ends a `watch` of the same principal and watcher. */
  unwatch(principal: WatchedPrincipal, watcher: Watcher): void {
    const { user, session, key } = this.watchers;
    removeWatcher(user, principal.userId, watcher);
    if (principal.sessionId) removeWatcher(session, principal.sessionId, watcher);
    if (principal.apiKeyId) removeWatcher(key, principal.apiKeyId, watcher);
  }

  /**
   * Resolves true when this session is revoked (sign-out elsewhere, password reset, deactivation),
   * false when `signal` aborts first, so a client can sign out at once instead of on its next
   * failing request.
   */
  sessionEnded(sessionId: string, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const settle = (ended: boolean) => {
        removeWatcher(this.watchers.session, sessionId, watcher);
        signal?.removeEventListener("abort", onAbort);
        resolve(ended);
      };
      const onAbort = () => settle(false);
      // Sessions are invalidated by id only when they end (sign-out, revocation, deactivation).
      const watcher: Watcher = { changed: () => settle(true) };
      addWatcher(this.watchers.session, sessionId, watcher);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Resolves the caller; `setCookies` carries a rotated session cookie to send back. */
  async authenticate(req: AuthRequest): Promise<{ principal: Principal | null; setCookies: string[] }> {
    const bearer = req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.connectionParams?.token;
    if (bearer) {
      const principal = bearer.startsWith(API_KEY_PREFIX)
        ? await this.fromApiKey(bearer.slice(API_KEY_PREFIX.length))
        : await this.fromSession(bearer, "bearer", req.transport);
      return { principal: principal?.principal ?? null, setCookies: [] };
    }
    const cookie = parse(req.headers.get("cookie") ?? "", SESSION_COOKIE)[SESSION_COOKIE];
    // A browser page on another origin could open a WebSocket with the user's cookie: refuse that.
    if (!cookie || (req.transport === "ws" && !this.originAllowed(req.headers.get("origin")))) {
      return { principal: null, setCookies: [] };
    }
    const resolved = await this.fromSession(cookie, "cookie", req.transport);
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

  private async fromSession(token: string, via: "cookie" | "bearer", transport: AuthRequest["transport"]) {
    // A rotated cookie can only reach the browser on an HTTP response, never over a WebSocket.
    const session = await this.identity.resolveSession(token, { rotate: via === "cookie" && transport === "http" });
    if (!session) return null;
    // The anti-CSRF token the client holds is the presented cookie's, also on the request that
    // rotates it (the new pair reaches the browser with this answer).
    const principal = await this.sessionPrincipal(session.userId, session.sessionId, {
      via,
      csrfToken: via === "cookie" ? csrfTokenFor(token) : null,
    });
    return principal && { principal, rotated: session.rotated, remember: session.remember };
  }

  private async sessionPrincipal(
    userId: string,
    sessionId: string,
    credential: Pick<Principal, "via" | "csrfToken">,
  ): Promise<Principal | null> {
    const user = await this.user(userId);
    if (!user?.active) return null;
    return {
      userId,
      organizationId: user.organizationId,
      role: user.role,
      isModerator: user.isModerator,
      emailVerified: user.emailVerified,
      sessionId,
      apiKeyId: null,
      ...credential,
    };
  }

  /** Cached as `user`: a read that the key's revocation overtook is not kept. */
  private apiKey(keyId: string): Promise<ApiKeyAuth | null> {
    return this.apiKeys.load(keyId, () => this.accounts.apiKey(keyId));
  }

  /** An API key acts as the admin who created it, limited to the key's role and organization. */
  private async fromApiKey(token: string): Promise<{ principal: Principal } | null> {
    const parts = splitToken(token);
    if (!parts) return null;
    const key = await this.apiKey(parts.id);
    if (!key || !safeEqual(sha256(parts.secret), key.secretHash)) return null;
    const principal = await this.keyPrincipal(parts.id, key);
    if (!principal) return null;
    // Admins see "last used" with hourly precision; stamping the cached row first keeps every other
    // request on this node write-free until the hour is up.
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60 * 60 * 1000) {
      key.lastUsedAt = new Date();
      await this.accounts.markApiKeyUsed(parts.id, key.lastUsedAt);
    }
    return { principal };
  }

  private async keyPrincipal(keyId: string, key: ApiKeyAuth): Promise<Principal | null> {
    const creator = await this.user(key.createdBy);
    if (!creator?.active || creator.organizationId !== key.organizationId) return null;
    return {
      userId: key.createdBy,
      organizationId: key.organizationId,
      role: creator.role === "admin" ? key.role : "member",
      isModerator: false,
      emailVerified: true,
      via: "apiKey",
      sessionId: null,
      apiKeyId: keyId,
      csrfToken: null,
    };
  }

  /**
   * The caller as they are now, for a connection that proved its credential earlier (a
   * WebSocket): the same session or API key if it is still valid, with the user's current
   * organization, role, status and moderator flag. From the same caches as `authenticate`, so
   * usually no store round trip; null once the session or key ended or the user was deactivated.
   */
  async current(principal: Principal): Promise<Principal | null> {
    if (principal.apiKeyId) {
      const key = await this.apiKey(principal.apiKeyId);
      return key && this.keyPrincipal(principal.apiKeyId, key);
    }
    if (!principal.sessionId || !(await this.identity.sessionActive(principal.sessionId))) return null;
    return this.sessionPrincipal(principal.userId, principal.sessionId, {
      via: principal.via,
      csrfToken: principal.csrfToken,
    });
  }

  /**
   * Through `load`: a read that a change's broadcast overtook (a deactivation committed while it
   * ran) is not kept for the TTL. "Active in the last 30 days" needs only coarse precision: a read
   * records it, at most hourly.
   */
  private user(userId: string): Promise<UserAuth | null> {
    return this.users.load(userId, async () => {
      const user = await this.accounts.user(userId);
      if (user && (!user.lastActiveAt || Date.now() - user.lastActiveAt.getTime() > 60 * 60 * 1000)) {
        user.lastActiveAt = new Date();
        await this.accounts.markUserActive(userId, user.lastActiveAt);
      }
      return user;
    });
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
