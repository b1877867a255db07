import type { AppDeps } from "../../deps";
import { invalidateUsers, type Principal } from "../../infra/auth/authenticator";
import { consume } from "../../infra/ratelimit";
import { appError } from "../../lib/errors";
import { recordAudit } from "../audit/repo";
import { findUser, findUserByEmail, updateUser } from "../users/repo";
import { voidAuthTokens } from "./repo";
import { assertPasswordAllowed, sendVerificationEmail } from "./service";
import { consumeAuthToken, issueAuthToken } from "./tokens";

const RESET_TTL_MS = 60 * 60 * 1000;

export const RESET_MAIL_JOB = "auth.passwordResetMail";

/**
 * Always answers ok after the same work, so neither the reply nor its timing tells whether an email
 * is registered: the request only enqueues a job, which looks the account up and mails the link.
 */
export async function requestPasswordReset(deps: AppDeps, email: string, ip: string | null) {
  await deps.jobs.enqueue(RESET_MAIL_JOB, { email, ip });
  return { ok: true as const };
}

/** The job behind requestPasswordReset: a link for an active account, nothing otherwise. */
export async function sendPasswordResetMail(deps: AppDeps, data: unknown): Promise<void> {
  const { email, ip } = data as { email: string; ip: string | null };
  // As for sign-up: a few mails an hour per address from one IP, and a bound from everyone together,
  // so a stranger asking from elsewhere cannot use up the owner's own reset.
  const budgets = [
    consume(deps.rateLimits.emailsPerAddress, `reset:${email}:${ip ?? "unknown"}`),
    consume(deps.rateLimits.resetMailPerAddress, email),
  ];
  if ((await Promise.all(budgets)).some((b) => b.rejected)) return;
  const user = await findUserByEmail(deps.db, email);
  if (user?.status !== "active") return;
  await deps.db.transaction().execute(async (trx) => {
    const token = await issueAuthToken(trx, user.id, "reset_password", RESET_TTL_MS);
    await deps.mail.send(
      {
        to: user.email,
        subject: "Reset your password",
        text: `Someone asked to reset your P2P Sandbox password. If it was you, open this link within one hour:\n${deps.config.publicUrl}/reset-password?token=${token}\n\nIf not, ignore this email.`,
      },
      trx,
    );
    await recordAudit(trx, {
      organizationId: user.organizationId,
      actorId: user.id,
      action: "auth.passwordReset.requested",
      ip,
    });
  });
}

/** Sets a new password from an emailed token, and signs the account out everywhere. */
export async function resetPassword(deps: AppDeps, input: { token: string; password: string }, ip: string | null) {
  const user = await deps.db.transaction().execute(async (trx) => {
    const userId = await consumeAuthToken(trx, input.token, "reset_password");
    const user = await findUser(trx, userId);
    assertPasswordAllowed(input.password, user.email);
    const credentials = await deps.identity.setPassword(user, input.password);
    await updateUser(trx, user.id, credentials);
    // Other outstanding reset links die with this one.
    await voidAuthTokens(trx, user.id, "reset_password");
    await recordAudit(trx, { organizationId: user.organizationId, actorId: user.id, action: "auth.passwordReset", ip });
    return user;
  });
  await deps.identity.revokeSessions(user.id, {});
  return { ok: true as const };
}

export async function verifyEmail(deps: AppDeps, token: string) {
  const userId = await deps.db.transaction().execute(async (trx) => {
    const userId = await consumeAuthToken(trx, token, "verify_email");
    await updateUser(trx, userId, { emailVerifiedAt: new Date() });
    return userId;
  });
  await invalidateUsers(deps.events, [userId]);
  return { ok: true as const };
}

export async function resendVerification(deps: AppDeps, principal: Principal) {
  const user = await findUser(deps.db, principal.userId);
  if (user.emailVerifiedAt) return { ok: true as const };
  const { rejected, retryAfter: wait } = await consume(deps.rateLimits.emailsPerAddress, `verify:${user.email}`);
  if (rejected) throw appError("RATE_LIMITED", `Too many emails. Try again in ${wait} seconds.`, { retryAfter: wait });
  await deps.db.transaction().execute((trx) => sendVerificationEmail(deps, trx, user));
  return { ok: true as const };
}
