/**
 * Sign-up that never tells whether an address is registered (security finding, issue 8).
 *
 * `auth.signUp` answers `{ ok: true }` ("check your email") for every address, after the same work:
 * the password policy, one password hash, one row in `signup_requests`, one job. Only the job looks
 * the address up, off the request path: the owner of a free address gets a link, the owner of a
 * taken one a mail saying someone tried to sign up with it. The account and its organization are
 * created by `auth.completeSignUp` with the link and the same password, and that call starts the
 * session. Until then no account exists, so sign-in cannot tell the two cases apart either, and
 * nobody can hold an address they cannot read mail for.
 */
import type { CompleteSignUpInput, SignUpInput } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import { invalidateProfiles } from "../../infra/auth/authenticator";
import { randomToken, sha256 } from "../../infra/auth/crypto";
import { PasswordHasher } from "../../infra/auth/password";
import { isUniqueViolation } from "../../infra/postgres/errors";
import { consume } from "../../infra/ratelimit";
import { appError, fieldError } from "../../lib/errors";
import type { RequestMeta } from "../../lib/request-meta";
import { recordAudit } from "../audit/repo";
import { dashboardChanged } from "../dashboard/invalidate";
import { insertOrganization } from "../organizations/repo";
import { findUserByEmail, insertUser } from "../users/repo";
import { rateLimited } from "./attempts";
import * as repo from "./repo";
import { assertPasswordAllowed, startSession } from "./service";

export const SIGNUP_MAIL_JOB = "auth.signUpMail";
const SIGNUP_TTL_MS = 48 * 60 * 60 * 1000;

const hasher = (deps: AppDeps) => new PasswordHasher(deps.config.auth.passwordHash);
const invalidLink = () => appError("INVALID_TOKEN", "This link is invalid or has expired");

export async function signUp(deps: AppDeps, input: z.infer<typeof SignUpInput>, meta: RequestMeta) {
  assertPasswordAllowed(input.password, input.email);
  // Each sign-up mails an address: one IP asks for a bounded number (the same for any address).
  const ip = meta.ip ?? "unknown";
  const { rejected, retryAfter } = await consume(deps.rateLimits.signUpsPerIp, ip);
  if (rejected) throw rateLimited("sign-ups from your network", retryAfter);
  const id = uuidv7();
  await repo.insertSignupRequest(deps.db, {
    id,
    email: input.email,
    // Kept only to check that whoever opens the link knows it; the account gets its own credentials.
    passwordHash: await hasher(deps).hash(input.password),
    firstName: input.firstName,
    lastName: input.lastName,
    organization: JSON.stringify(input.organization),
    expiresAt: new Date(Date.now() + SIGNUP_TTL_MS),
  });
  await deps.jobs.enqueue(SIGNUP_MAIL_JOB, { id, ip }, { jobId: `signup-${id}` });
  return { ok: true as const };
}

/** The job: mails the link to a free address, or a notice to the owner of a taken one. */
export async function sendSignUpMail(deps: AppDeps, data: unknown): Promise<void> {
  const { id, ip = "unknown" } = data as { id: string; ip?: string };
  const request = await repo.findSignupRequest(deps.db, id);
  // Gone, or mailed already (this is a retry).
  if (!request || request.tokenHash) return;
  // Nobody can flood an inbox through sign-up: a few mails per address an hour from one IP, and a
  // bound from everyone together; one IP's requests do not use up another's, so a stranger cannot
  // hold up the owner's own sign-up from one place.
  const budgets = [
    consume(deps.rateLimits.emailsPerAddress, `signup:${request.email}:${ip}`),
    consume(deps.rateLimits.signUpMailPerAddress, request.email),
  ];
  if ((await Promise.all(budgets)).some((b) => b.rejected)) {
    await repo.deleteSignupRequest(deps.db, id);
    return;
  }
  const to = request.email;
  if (await findUserByEmail(deps.db, to)) {
    await deps.db.transaction().execute(async (trx) => {
      await repo.deleteSignupRequest(trx, id);
      await deps.mail.send(
        {
          to,
          subject: "Someone tried to sign up with your email address",
          text: `Someone (perhaps you) tried to create a new P2P Sandbox account with this email address, which already has an account.\n\nIf it was you, sign in instead. If you forgot your password, reset it here:\n${deps.config.publicUrl}/forgot-password\n\nIf it was not you, ignore this email: nothing has changed.\n`,
        },
        trx,
      );
    });
    return;
  }
  const token = randomToken();
  await deps.db.transaction().execute(async (trx) => {
    await repo.setSignupToken(trx, id, sha256(token));
    await deps.mail.send(
      {
        to,
        subject: "Confirm your email address",
        // Nothing the requester typed (names, the organization's): the mail goes to an address they
        // need not own, so it carries only our own words.
        text: `Welcome to P2P Sandbox.\n\nTo finish creating your account, open this link within 48 hours and enter the password you chose when you signed up:\n${deps.config.publicUrl}/complete-sign-up?token=${token}\n\nIf you did not sign up, ignore this email: no account is created.\n`,
      },
      trx,
    );
  });
}

/**
 * Creates the organization and its first admin (email verified: the link proves it) and signs in.
 * Another sign-up or an invitation may have taken the address since; only the holder of the link,
 * the address's owner, learns that.
 */
export async function completeSignUp(deps: AppDeps, input: z.infer<typeof CompleteSignUpInput>, meta: RequestMeta) {
  const tokenHash = sha256(input.token);
  const request = await repo.findUsableSignupRequest(deps.db, tokenHash);
  if (!request) throw invalidLink();
  if (!(await hasher(deps).verify(request.passwordHash, input.password))) {
    // The password is what makes a leaked link useless: a few guesses, then the link is void.
    if ((await consume(deps.rateLimits.signUpPasswordFailures, request.id)).retryAfter > 0) {
      await repo.deleteSignupRequest(deps.db, request.id);
      throw appError("INVALID_TOKEN", "Too many wrong passwords: this link is void; sign up again");
    }
    throw fieldError("password", "This is not the password you chose when you signed up");
  }
  const userId = uuidv7();
  const organizationId = uuidv7();
  // Hash (slow) before the transaction so it holds no locks while hashing.
  const credentials = await deps.identity.createCredentials({ id: userId, email: request.email }, input.password);
  try {
    await deps.db.transaction().execute(async (trx) => {
      // Of two uses of the link (or of two links for one address) only one gets here.
      if (!(await repo.takeSignupRequests(trx, request.email, tokenHash))) throw invalidLink();
      await insertOrganization(trx, { id: organizationId, ...request.organization });
      await insertUser(trx, {
        id: userId,
        organizationId,
        email: request.email,
        emailVerifiedAt: new Date(),
        firstName: request.firstName,
        lastName: request.lastName,
        role: "admin",
        ...credentials,
      });
      await recordAudit(trx, { organizationId, actorId: userId, action: "auth.signUp", ip: meta.ip });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw appError("EMAIL_TAKEN", "An account with this email already exists; sign in");
    throw err;
  }
  // A new person and organization: every node drops what shows or searches people and organizations.
  await Promise.all([
    dashboardChanged(deps, { orgs: [organizationId], platform: true }),
    invalidateProfiles(deps.events, [userId]),
  ]);
  return startSession(deps, userId, false, meta, input.tokenType);
}
