import type { RateLimiterRedis } from "rate-limiter-flexible";
import type { AppDeps } from "../../deps";
import type { CredentialUser } from "../../infra/auth/provider";
import { consume, refund } from "../../infra/ratelimit";
import { appError, fieldError } from "../../lib/errors";

/** `RATE_LIMITED`, with the seconds to wait in the message and in `details.retryAfter`. */
export const rateLimited = (what: string, wait: number) =>
  appError("RATE_LIMITED", `Too many ${what}. Try again in ${wait} seconds.`, { retryAfter: wait });

interface Step {
  limiter: RateLimiterRedis;
  key: string;
}

/** One counted attempt of a secret (password, second-factor code). */
export interface Attempt {
  /** Seconds to wait once this attempt has failed: > 0 when it used up a limit, else 0. */
  readonly retryAfter: number;
  /**
   * The secret was right: this attempt's points go back. Earlier failures still count until their
   * window ends (forgetting them would let attempts already under way be checked past the limit).
   */
  refund(): Promise<void>;
}

/**
 * Counts an attempt before the secret is checked, so attempts sent in parallel cannot outrun a
 * limit: every check holds a point, and no more checks run in a window than there are points.
 * A limit already used up throws RATE_LIMITED and checks nothing: every point it took goes back
 * (only checks count, so right passwords sent in parallel, or retried, lock nobody out).
 */
async function countAttempt(steps: Step[], what: string): Promise<Attempt> {
  const counted: (Step & { retryAfter: number })[] = [];
  for (const step of steps) {
    const res = await consume(step.limiter, step.key);
    if (res.rejected) {
      await Promise.all([step, ...counted].map((c) => refund(c.limiter, c.key)));
      throw rateLimited(what, Math.max(1, res.retryAfter));
    }
    counted.push({ ...step, retryAfter: res.retryAfter });
  }
  return {
    retryAfter: Math.max(0, ...counted.map((c) => c.retryAfter)),
    async refund() {
      await Promise.all(counted.map((c) => refund(c.limiter, c.key)));
    },
  };
}

/**
 * A password attempt on an account (sign-in, or the current password in users.changePassword),
 * under the sign-in limits of docs/security.md: strict per account and IP, per IP over all accounts,
 * and the soft per-account limit only from devices (IPs) the account does not know, so someone
 * guessing from elsewhere cannot lock the owner out of their usual devices.
 */
export async function countPasswordAttempt(
  deps: AppDeps,
  who: { email: string; userId: string | null; ip: string | null },
  what = "failed sign-ins",
): Promise<Attempt> {
  const limits = deps.rateLimits;
  const ip = who.ip ?? "unknown";
  const known = who.userId !== null && (await limits.knownDevices.has(who.userId, who.ip));
  return countAttempt(
    [
      // Strict first: one IP hammering one account stops here without using up the account's budget.
      { limiter: limits.signInFailuresPerAccountIp, key: `${who.email}|${ip}` },
      ...(known ? [] : [{ limiter: limits.signInFailuresPerAccount, key: who.email }]),
      { limiter: limits.signInFailuresPerIp, key: ip },
    ],
    what,
  );
}

/**
 * The signed-in user's current password, before a change only its owner may make (a new password,
 * a second factor): wrong answers count as failed sign-ins (`countPasswordAttempt`).
 */
export async function assertCurrentPassword(
  deps: AppDeps,
  user: CredentialUser & { id: string; email: string },
  password: string,
  ip: string | null,
  field: string,
): Promise<void> {
  const what = "wrong passwords";
  const attempt = await countPasswordAttempt(deps, { email: user.email, userId: user.id, ip }, what);
  if (!(await deps.identity.verifyPassword(user, password))) {
    throw attempt.retryAfter
      ? rateLimited(what, attempt.retryAfter)
      : fieldError(field, "Current password is incorrect");
  }
  await attempt.refund();
}

/** A second-factor code checked for a signed-in user (auth.totp.enable/disable), per user. */
export function countTotpAttempt(deps: AppDeps, userId: string): Promise<Attempt> {
  return countAttempt([{ limiter: deps.rateLimits.totpFailuresPerUser, key: userId }], "wrong codes");
}
