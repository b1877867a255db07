import supertokens from "supertokens-node";
import EmailPassword from "supertokens-node/recipe/emailpassword";
import EmailVerification from "supertokens-node/recipe/emailverification";
import Session, { type SessionInformation } from "supertokens-node/recipe/session";
import type { Config } from "../../config";
import type { EventBus } from "../events/bus";
import { sha256 } from "./crypto";
import {
  authInvalidation,
  type CredentialUser,
  type IdentityProvider,
  type IssuedSession,
  type ResolvedSession,
  type SessionMeta,
  type SessionRecord,
} from "./provider";
import { TtlCache } from "./ttl-cache";

const TENANT = "public";

/** Kept with each session in the core, for the session list. */
interface SessionData {
  remember: boolean;
  userAgent: string | null;
  ip: string | null;
  /** When the access token (our session token) expires, ms since epoch. */
  expiresAt?: number;
}

interface CachedSession extends ResolvedSession {
  expiresAt: number;
}

/**
 * What the provider needs from our users table (users.external_id, users.email_verified_at). The
 * table belongs to the users module, which implements this port (`modules/index.ts`).
 */
export interface ExternalAccounts {
  /** The user's SuperTokens user id; null when they have none yet. */
  externalIdOf(userId: string): Promise<string | null>;
  /** Whether the user with this SuperTokens user id has verified their email with us. */
  emailVerified(externalId: string): Promise<boolean>;
}

/** supertokens-node is a process-wide singleton: a second `init` is silently ignored by the SDK. */
let initializedFor: string | undefined;

/**
 * Passwords and sessions kept by a SuperTokens core (EmailPassword, Session, EmailVerification
 * recipes). Our tRPC auth procedures call this port; the SDK's own HTTP routes are also served at
 * /auth/* (supertokens-hono.ts), limited to what fits our session model (see the recipe overrides).
 *
 * The session token is the SuperTokens access token. It is never refreshed (the refresh token is
 * dropped), so a session lasts the core's `access_token_validity` (default 1 hour), whatever
 * `remember` says; then the client signs in again. Set `access_token_validity` on the core to
 * the session length wanted. `rotate` is ignored: there is nothing to rotate without refreshing.
 *
 * Like the built-in provider, resolved sessions are cached for a few seconds and dropped on every
 * node when revoked; a cache miss asks the core (`checkDatabase`), so revocation applies at once.
 * Expected outcomes (wrong password, expired or revoked token) are answers, not errors; anything
 * else the SDK throws (core down, bad API key) reaches the API as an unknown error: INTERNAL, no details.
 */
export class SuperTokensIdentityProvider implements IdentityProvider {
  readonly name = "supertokens" as const;
  private readonly cache = new TtlCache<CachedSession>(10_000);
  /** Session handle → whether the core still has it live (for connections that proved a token earlier). */
  private readonly live = new TtlCache<boolean>(10_000);

  private constructor(
    private readonly accounts: ExternalAccounts,
    private readonly events: EventBus,
  ) {
    events.subscribe(authInvalidation, "all", ({ data }) => {
      const sessions = new Set(data.sessionIds ?? []);
      const users = new Set(data.userIds ?? []);
      if (sessions.size || users.size) this.cache.deleteWhere((s) => sessions.has(s.sessionId) || users.has(s.userId));
      for (const handle of sessions) this.live.delete(handle);
    });
  }

  static async create(
    config: Config,
    accounts: ExternalAccounts,
    events: EventBus,
  ): Promise<SuperTokensIdentityProvider> {
    const core = config.auth.supertokens;
    if (!core) throw new Error("SuperTokens is not configured: set SUPERTOKENS_CONNECTION_URI");
    if (initializedFor && initializedFor !== core.connectionUri) {
      throw new Error(`supertokens-node is already connected to ${initializedFor} in this process`);
    }
    supertokens.init({
      framework: "custom",
      supertokens: { connectionURI: core.connectionUri, apiKey: core.apiKey },
      appInfo: { appName: "P2P Sandbox", apiDomain: config.publicUrl, websiteDomain: config.publicUrl },
      recipeList: [
        EmailPassword.init({
          override: {
            // Sign-up, sign-in and password reset happen only through our auth procedures. The SDK's
            // routes would skip our users/organizations rows (its sign-up makes a SuperTokens user we
            // know nothing of), sign-in rate limits, 2FA, deactivation and audit, and would mail
            // through SuperTokens' servers. Switched off, they answer our 404.
            apis: (original) => ({
              ...original,
              signUpPOST: undefined,
              signInPOST: undefined,
              emailExistsGET: undefined,
              generatePasswordResetTokenPOST: undefined,
              passwordResetPOST: undefined,
            }),
          },
        }),
        // OPTIONAL never blocks a session; users.email_verified_at stays the source of truth.
        EmailVerification.init({
          mode: "OPTIONAL",
          override: {
            // GET /auth/user/email/verify and the session's claim tell what our users table says.
            functions: (original) => ({
              ...original,
              isEmailVerified: ({ recipeUserId }) => accounts.emailVerified(recipeUserId.getAsString()),
            }),
            // Verification mail and links are ours (auth.resendVerification, auth.verifyEmail); the
            // SDK's would be sent by api.supertokens.io and set a flag we do not read.
            apis: (original) => ({ ...original, generateEmailVerifyTokenPOST: undefined, verifyEmailPOST: undefined }),
          },
        }),
        Session.init({
          // Our own httpOnly cookie + anti-CSRF token protect browser requests, not SuperTokens' ones.
          antiCsrf: "NONE",
          override: {
            // POST /auth/signout revokes here: drop the session from every node's cache at once.
            functions: (original) => ({
              ...original,
              revokeSession: async (input) => {
                const revoked = await original.revokeSession(input);
                if (revoked) await events.broadcast(authInvalidation, "all", { sessionIds: [input.sessionHandle] });
                return revoked;
              },
            }),
          },
        }),
      ],
    });
    initializedFor = core.connectionUri;
    // Fail at start, not at the first sign-in, when the core is unreachable or speaks another CDI.
    try {
      await supertokens.getUserCount();
    } catch (err) {
      throw new Error(`SuperTokens core at ${core.connectionUri} is not usable: ${(err as Error).message}`);
    }
    return new SuperTokensIdentityProvider(accounts, events);
  }

  async createCredentials(user: { id: string; email: string }, password: string) {
    const result = await EmailPassword.signUp(TENANT, user.email, password);
    // Our users table has no such email (the caller checked), so this is a leftover SuperTokens
    // account, e.g. from a sign-up whose database transaction failed.
    if (result.status !== "OK") throw new Error("SuperTokens already has an account with this email");
    return { passwordHash: null, externalId: result.user.id };
  }

  async verifyPassword(user: CredentialUser, password: string): Promise<boolean> {
    // signIn rather than verifyCredentials: it says whose password matched, which must be this user's.
    const result = await EmailPassword.signIn(TENANT, user.email, password);
    return result.status === "OK" && result.user.id === user.externalId;
  }

  async setPassword(user: CredentialUser, password: string) {
    // An account made before SuperTokens was configured has no SuperTokens user yet: make one.
    if (!user.externalId) return this.createCredentials(user, password);
    const result = await EmailPassword.updateEmailOrPassword({
      recipeUserId: new supertokens.RecipeUserId(user.externalId),
      password,
      // Our own password rules ran before this call.
      applyPasswordPolicy: false,
    });
    if (result.status !== "OK") throw new Error(`SuperTokens refused the password change (${result.status})`);
    return { passwordHash: null, externalId: user.externalId };
  }

  async startSession(userId: string, meta: SessionMeta): Promise<IssuedSession> {
    const externalId = await this.accounts.externalIdOf(userId);
    if (!externalId) throw new Error("This user has no SuperTokens account");
    const data: SessionData = {
      remember: meta.remember,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip,
    };
    const session = await Session.createNewSessionWithoutRequestResponse(
      TENANT,
      new supertokens.RecipeUserId(externalId),
      // Our user id rides in the token, so resolving a session needs no lookup of the mapping.
      { p2pUserId: userId, remember: meta.remember },
      data,
      true, // no SuperTokens anti-CSRF token (see Session.init)
    );
    const sessionId = session.getHandle();
    const expiresAt = session.getAccessTokenPayload().exp * 1000;
    // The core keeps the session until its (unused) refresh token expires; the list needs the real end.
    await Session.updateSessionDataInDatabase(sessionId, { ...data, expiresAt });
    return { sessionId, token: session.getAccessToken(), expiresAt: new Date(expiresAt) };
  }

  async resolveSession(token: string): Promise<ResolvedSession | null> {
    const key = sha256(token);
    let cached = this.cache.get(key);
    if (!cached) {
      try {
        const session = await Session.getSessionWithoutRequestResponse(token, undefined, {
          antiCsrfCheck: false,
          checkDatabase: true,
        });
        const payload = session.getAccessTokenPayload();
        // A token another application minted on a shared core has no user of ours.
        if (typeof payload.p2pUserId !== "string") return null;
        cached = {
          sessionId: session.getHandle(),
          userId: payload.p2pUserId,
          remember: payload.remember === true,
          expiresAt: payload.exp * 1000,
        };
      } catch (err) {
        // TRY_REFRESH_TOKEN (expired) and UNAUTHORISED (revoked, forged, not a JWT) both mean signed out.
        if (err instanceof Session.Error) return null;
        throw err;
      }
      this.cache.set(key, cached);
    }
    if (cached.expiresAt <= Date.now()) return null;
    return { sessionId: cached.sessionId, userId: cached.userId, remember: cached.remember };
  }

  async sessionActive(sessionId: string): Promise<boolean> {
    let live = this.live.get(sessionId);
    if (live === undefined) {
      const info = await Session.getSessionInformation(sessionId);
      live = info !== undefined && (info.sessionDataInDatabase?.expiresAt ?? 0) > Date.now();
      this.live.set(sessionId, live);
    }
    return live;
  }

  async endedSessions(sessionIds: readonly string[]): Promise<string[]> {
    for (const id of sessionIds) this.live.delete(id);
    const live = await Promise.all(sessionIds.map((id) => this.sessionActive(id)));
    return sessionIds.filter((_, i) => !live[i]);
  }

  async listSessions(userId: string): Promise<SessionRecord[]> {
    const sessions = await this.liveSessions(userId);
    return sessions
      .sort((a, b) => b.timeCreated - a.timeCreated)
      .slice(0, 100)
      .map((s) => {
        const data = s.sessionDataInDatabase as Required<SessionData>;
        const createdAt = new Date(s.timeCreated);
        // The core records no last use of an access token: the creation time stands in.
        return {
          id: s.sessionHandle,
          userAgent: data.userAgent,
          ip: data.ip,
          createdAt,
          lastUsedAt: createdAt,
          expiresAt: new Date(data.expiresAt),
        };
      });
  }

  async revokeSessions(userId: string, which: { sessionId: string } | { exceptSessionId?: string }): Promise<number> {
    const targets = (await this.liveSessions(userId))
      .map((s) => s.sessionHandle)
      .filter((handle) => ("sessionId" in which ? handle === which.sessionId : handle !== which.exceptSessionId));
    if (!targets.length) return 0;
    const revoked = await Session.revokeMultipleSessions(targets);
    if (revoked.length) await this.events.broadcast(authInvalidation, "all", { sessionIds: revoked });
    return revoked.length;
  }

  /** The user's sessions whose token still works. Dead ones are revoked so they stop piling up in the core. */
  private async liveSessions(userId: string): Promise<SessionInformation[]> {
    const externalId = await this.accounts.externalIdOf(userId);
    if (!externalId) return [];
    const handles = await Session.getAllSessionHandlesForUser(externalId);
    const infos = await Promise.all(handles.map((handle) => Session.getSessionInformation(handle)));
    const now = Date.now();
    const live: SessionInformation[] = [];
    const dead: string[] = [];
    for (const s of infos) {
      if (s && (s.sessionDataInDatabase?.expiresAt ?? 0) > now) live.push(s);
      else if (s) dead.push(s.sessionHandle);
    }
    if (dead.length) await Session.revokeMultipleSessions(dead);
    return live;
  }
}
