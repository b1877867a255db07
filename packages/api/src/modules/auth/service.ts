import { permissionsFor, type Session, type SignInInput, type TokenType } from "@p2p/schemas";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import { csrfTokenFor, defineUserView, type Principal } from "../../infra/auth/authenticator";
import { passwordProblem } from "../../infra/auth/password";
import type { Db } from "../../infra/postgres/db";
import { appError, fieldError } from "../../lib/errors";
import type { RequestMeta } from "../../lib/request-meta";
import { recordAudit } from "../audit/repo";
import { toOrganization } from "../organizations/dto";
import { actingAs, toMe } from "../users/dto";
import { findUserAndOrganization, findUserByEmail } from "../users/repo";
import { countPasswordAttempt, rateLimited } from "./attempts";
import { issueAuthToken } from "./tokens";
import { verifySecondFactor } from "./totp";

const VERIFY_EMAIL_TTL_MS = 48 * 60 * 60 * 1000;

/** A new password must pass the policy; the answer is a field error naming the field. */
export function assertPasswordAllowed(password: string, email: string, field = "password"): void {
  const problem = passwordProblem(password, email);
  if (problem) throw fieldError(field, problem);
}

export async function sendVerificationEmail(deps: AppDeps, db: Db, user: { id: string; email: string }) {
  const token = await issueAuthToken(db, user.id, "verify_email", VERIFY_EMAIL_TTL_MS);
  const link = `${deps.config.publicUrl}/verify-email?token=${token}`;
  await deps.mail.send(
    {
      to: user.email,
      subject: "Confirm your email address",
      text: `Welcome to P2P Sandbox.\n\nConfirm your email address by opening this link within 48 hours:\n${link}\n`,
    },
    db,
  );
}

/** The session view as the user's own role sees it, cached per user on each node. */
const sessionView = defineUserView<Session>("auth.session");

/**
 * `auth.me`: the caller's session view without a database read on most calls. Cached per user on
 * each node (`Authenticator.userView`), dropped on every node when the user's access or profile or
 * their organization changes; the role and permissions are the caller's own (an API key may act
 * with less than its creator's role).
 */
export async function currentSession(deps: AppDeps, caller: Principal): Promise<Session> {
  const own = await deps.authenticator.userView(sessionView, caller, () => loadSession(deps.db, caller.userId));
  if (own.role === caller.role && own.user.isModerator === caller.isModerator) return own;
  return {
    ...own,
    user: actingAs(own.user, caller),
    role: caller.role,
    permissions: permissionsFor(caller.role, caller.isModerator),
  };
}

/** The signed-in user's session view: user, organization, role and permissions. */
export async function loadSession(db: Db, userId: string): Promise<Session> {
  const { user, organization } = await findUserAndOrganization(db, userId);
  return {
    user: toMe(user),
    organization: toOrganization(organization),
    role: user.role,
    permissions: permissionsFor(user.role, user.isModerator),
  };
}

/**
 * Starts a session and hands it to the client one way only: an HttpOnly cookie (browsers; the body
 * carries just the anti-CSRF token), or, when asked for, a bearer token in the body and no cookie.
 * The caller's IP becomes a known device of the account (docs/security.md, "Sign-in limits").
 */
export async function startSession(
  deps: AppDeps,
  userId: string,
  remember: boolean,
  meta: RequestMeta,
  tokenType: z.infer<typeof TokenType> = "cookie",
) {
  const issued = await deps.identity.startSession(userId, { remember, userAgent: meta.userAgent, ip: meta.ip });
  await deps.rateLimits.knownDevices.add(userId, meta.ip);
  const session = await loadSession(deps.db, userId);
  // Over a WebSocket no cookie can be set, so the token in the body is the only way to hand it over.
  if (tokenType === "bearer" || !meta.resHeaders) return { ...session, token: issued.token };
  for (const cookie of deps.authenticator.sessionCookies(issued, remember))
    meta.resHeaders?.append("set-cookie", cookie);
  return { ...session, csrfToken: csrfTokenFor(issued.token) };
}

// auth.signUp and auth.completeSignUp: signup.ts.

/**
 * The attempt is counted before the password is checked (attempts.ts), so no more passwords are
 * ever checked than the limits allow, however many requests arrive at once.
 */
export async function signIn(deps: AppDeps, input: z.infer<typeof SignInInput>, meta: RequestMeta) {
  const user = await findUserByEmail(deps.db, input.email);
  const attempt = await countPasswordAttempt(deps, { email: input.email, userId: user?.id ?? null, ip: meta.ip });

  const fail = async (reason: string, message = "Email or password is incorrect") => {
    const retryAfter = attempt.retryAfter;
    await recordAudit(deps.db, {
      organizationId: user?.organizationId ?? null,
      actorId: user?.id ?? null,
      action: retryAfter ? "auth.signIn.rateLimited" : "auth.signIn.failed",
      ip: meta.ip,
      metadata: { reason },
    });
    if (retryAfter) throw rateLimited("failed sign-ins", retryAfter);
    // The same answer whether or not the email is registered.
    throw appError("INVALID_CREDENTIALS", message);
  };

  const passwordOk = await deps.identity.verifyPassword(
    user ?? { id: "", email: input.email, passwordHash: null, externalId: null },
    input.password,
  );
  if (!user || !passwordOk) return fail("password");
  if (user.status !== "active") {
    await attempt.refund();
    throw appError("ACCOUNT_DEACTIVATED", "This account has been deactivated");
  }
  if (user.totpEnabledAt) {
    if (!input.totpCode && !input.recoveryCode) {
      // The right password is no failure; the attempt with the code counts again.
      await attempt.refund();
      throw appError("TOTP_REQUIRED", "Enter the code from your authenticator app");
    }
    // The password was right (TOTP_REQUIRED says as much already): name the code as what failed.
    if (!(await verifySecondFactor(deps, user, input))) {
      return fail("second factor", "The code is wrong or was already used; enter a new code or a recovery code");
    }
  }

  await attempt.refund();
  const result = await startSession(deps, user.id, input.rememberMe ?? false, meta, input.tokenType);
  await recordAudit(deps.db, {
    organizationId: user.organizationId,
    actorId: user.id,
    action: "auth.signIn",
    ip: meta.ip,
  });
  return result;
}

/** Every way a session ends is audited, as signing in is: here, this one or all of them. */
export async function signOut(deps: AppDeps, principal: Principal, meta: RequestMeta, everywhere: boolean) {
  if (everywhere) await deps.identity.revokeSessions(principal.userId, {});
  else if (principal.sessionId)
    await deps.identity.revokeSessions(principal.userId, { sessionId: principal.sessionId });
  for (const cookie of deps.authenticator.clearCookies()) meta.resHeaders?.append("set-cookie", cookie);
  await recordAudit(deps.db, {
    organizationId: principal.organizationId,
    actorId: principal.userId,
    action: everywhere ? "auth.signOutEverywhere" : "auth.signOut",
    ...(everywhere ? {} : { targetType: "session", targetId: principal.sessionId ?? undefined }),
    ip: meta.ip,
  });
  return { ok: true as const };
}

export async function listSessions(deps: AppDeps, principal: Principal) {
  const sessions = await deps.identity.listSessions(principal.userId);
  return { items: sessions.map((s) => ({ ...s, current: s.id === principal.sessionId })) };
}

/** Ends one of the caller's sessions (a lost phone), audited as sign-out everywhere is. */
export async function revokeSession(deps: AppDeps, principal: Principal, sessionId: string, meta: RequestMeta) {
  const revoked = await deps.identity.revokeSessions(principal.userId, { sessionId });
  if (!revoked) throw appError("NOT_FOUND", "Session not found");
  await recordAudit(deps.db, {
    organizationId: principal.organizationId,
    actorId: principal.userId,
    action: "auth.sessionRevoked",
    targetType: "session",
    targetId: sessionId,
    ip: meta.ip,
  });
  return { ok: true as const };
}
