import { randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import type { AppDeps } from "../../deps";
import { invalidateProfiles, type Principal } from "../../infra/auth/authenticator";
import { isSealed, openSecret, sealSecret, sha256 } from "../../infra/auth/crypto";
import { appError } from "../../lib/errors";
import { recordAudit } from "../audit/repo";
import { acceptTotpStep, findUser, updateUser } from "../users/repo";
import { assertCurrentPassword, countTotpAttempt, rateLimited } from "./attempts";
import * as repo from "./repo";

const RECOVERY_CODES = 10;
const ISSUER = "P2P Sandbox";

const totpFor = (secret: string, label: string) =>
  new OTPAuth.TOTP({ issuer: ISSUER, label, secret: OTPAuth.Secret.fromBase32(secret) });

/** The time step of a valid code (current, or one either side for clock drift), else null. */
function stepOf(secret: string, code: string): number | null {
  const totp = totpFor(secret, "");
  const delta = totp.validate({ token: code, window: 1 });
  return delta === null ? null : totp.counter() + delta;
}

/**
 * users.totp_secret is encrypted at rest (AES-256-GCM, TOTP_ENCRYPTION_KEY, bound to the user's
 * id), stored as `v1:…`. Rows written before that hold the base32 secret in plain text (base32 has
 * no `:`, so the two cannot be confused). No migration: a migration cannot read the key from the
 * config, and a plain value keeps working: it is read as is and sealed the first time a code from
 * it is accepted (or replaced on the next setup).
 */
const sealTotpSecret = (deps: AppDeps, userId: string, secret: string) =>
  sealSecret(deps.config.auth.totpEncryptionKey, secret, `totp:${userId}`);

function openTotpSecret(deps: AppDeps, userId: string, stored: string): string {
  return isSealed(stored) ? openSecret(deps.config.auth.totpEncryptionKey, stored, `totp:${userId}`) : stored;
}

/**
 * Accepts a code once: its step must be newer than the last accepted one, recorded atomically so
 * a code seen over someone's shoulder (or sent twice at once) cannot be used again.
 */
async function useCode(deps: AppDeps, user: { id: string; totpSecret: string }, code: string): Promise<boolean> {
  const step = stepOf(openTotpSecret(deps, user.id, user.totpSecret), code);
  if (step === null || !(await acceptTotpStep(deps.db, user.id, step))) return false;
  if (!isSealed(user.totpSecret)) {
    const sealed = sealTotpSecret(deps, user.id, user.totpSecret);
    await updateUser(deps.db, user.id, { totpSecret: sealed });
  }
  return true;
}

/** `abcde-12345`: easy to type from a printout. */
function newRecoveryCode(): string {
  const raw = randomBytes(8)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "0");
  return `${raw.slice(0, 5)}-${raw.slice(5, 10).padEnd(5, "0")}`;
}

/** Checks a sign-in's TOTP code, or uses up one recovery code. */
export async function verifySecondFactor(
  deps: AppDeps,
  user: { id: string; totpSecret: string | null },
  input: { totpCode?: string; recoveryCode?: string },
): Promise<boolean> {
  if (input.totpCode) {
    const { totpSecret } = user;
    return totpSecret !== null && useCode(deps, { id: user.id, totpSecret }, input.totpCode);
  }
  if (!input.recoveryCode) return false;
  return repo.useRecoveryCode(deps.db, user.id, sha256(input.recoveryCode.toLowerCase()));
}

/** Creates a new pending secret; 2FA is on only after `enable` proves the app has it. */
export async function setupTotp(deps: AppDeps, principal: Principal) {
  const user = await findUser(deps.db, principal.userId);
  if (user.totpEnabledAt) throw appError("CONFLICT", "Two-factor authentication is already on");
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await updateUser(deps.db, user.id, { totpSecret: sealTotpSecret(deps, user.id, secret) });
  return { secret, uri: totpFor(secret, user.email).toString() };
}

export async function enableTotp(
  deps: AppDeps,
  principal: Principal,
  input: { code: string; password: string },
  ip: string | null,
) {
  const user = await findUser(deps.db, principal.userId);
  if (user.totpEnabledAt) throw appError("CONFLICT", "Two-factor authentication is already on");
  const { totpSecret } = user;
  if (!totpSecret) throw appError("BAD_REQUEST", "Start with auth.totp.setup");
  // Whoever holds a session but not the password (a stolen cookie) must not lock the owner out.
  await assertCurrentPassword(deps, user, input.password, ip, "password");
  const { code } = input;
  // Counted before the check, like sign-ins: codes cannot be guessed faster than the limit.
  const attempt = await countTotpAttempt(deps, user.id);
  if (!(await useCode(deps, { id: user.id, totpSecret }, code))) {
    if (attempt.retryAfter) throw rateLimited("wrong codes", attempt.retryAfter);
    throw appError("BAD_REQUEST", "The code is not valid; try the current one");
  }
  await attempt.refund();
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { totpEnabledAt: new Date() });
    await repo.deleteRecoveryCodes(trx, user.id);
    await repo.insertRecoveryCodes(trx, user.id, codes.map(sha256));
    await recordAudit(trx, { organizationId: user.organizationId, actorId: user.id, action: "auth.totp.enabled", ip });
  });
  await invalidateProfiles(deps.events, [user.id]);
  return { recoveryCodes: codes };
}

export async function disableTotp(
  deps: AppDeps,
  principal: Principal,
  proof: { code: string } | { recoveryCode: string },
  ip: string | null,
) {
  const user = await findUser(deps.db, principal.userId);
  if (!user.totpEnabledAt) throw appError("CONFLICT", "Two-factor authentication is not on");
  const attempt = await countTotpAttempt(deps, user.id);
  const ok = await verifySecondFactor(
    deps,
    user,
    "code" in proof ? { totpCode: proof.code } : { recoveryCode: proof.recoveryCode },
  );
  if (!ok) {
    if (attempt.retryAfter) throw rateLimited("wrong codes", attempt.retryAfter);
    throw appError("BAD_REQUEST", "The code is not valid");
  }
  await attempt.refund();
  await deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { totpSecret: null, totpEnabledAt: null, totpLastStep: null });
    await repo.deleteRecoveryCodes(trx, user.id);
    await recordAudit(trx, { organizationId: user.organizationId, actorId: user.id, action: "auth.totp.disabled", ip });
  });
  await invalidateProfiles(deps.events, [user.id]);
  return { ok: true as const };
}
