import { randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { sha256 } from "../../infra/auth/crypto";
import type { Db } from "../../infra/postgres/db";
import { appError } from "../../lib/errors";
import { recordAudit } from "../audit/repo";
import { acceptTotpStep, findUser, updateUser } from "../users/repo";
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
 * Accepts a code once: its step must be newer than the last accepted one, recorded atomically so
 * a code seen over someone's shoulder (or sent twice at once) cannot be used again.
 */
async function useCode(db: Db, userId: string, secret: string, code: string): Promise<boolean> {
  const step = stepOf(secret, code);
  return step !== null && acceptTotpStep(db, userId, step);
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
  db: Db,
  user: { id: string; totpSecret: string | null },
  input: { totpCode?: string; recoveryCode?: string },
): Promise<boolean> {
  if (input.totpCode) return user.totpSecret !== null && useCode(db, user.id, user.totpSecret, input.totpCode);
  if (!input.recoveryCode) return false;
  return repo.useRecoveryCode(db, user.id, sha256(input.recoveryCode.toLowerCase()));
}

/** Creates a new pending secret; 2FA is on only after `enable` proves the app has it. */
export async function setupTotp(deps: AppDeps, principal: Principal) {
  const user = await findUser(deps.db, principal.userId);
  if (user.totpEnabledAt) throw appError("CONFLICT", "Two-factor authentication is already on");
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await updateUser(deps.db, user.id, { totpSecret: secret });
  return { secret, uri: totpFor(secret, user.email).toString() };
}

export async function enableTotp(deps: AppDeps, principal: Principal, code: string, ip: string | null) {
  const user = await findUser(deps.db, principal.userId);
  if (user.totpEnabledAt) throw appError("CONFLICT", "Two-factor authentication is already on");
  if (!user.totpSecret) throw appError("BAD_REQUEST", "Start with auth.totp.setup");
  if (!(await useCode(deps.db, user.id, user.totpSecret, code)))
    throw appError("BAD_REQUEST", "The code is not valid; try the current one");
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { totpEnabledAt: new Date() });
    await repo.deleteRecoveryCodes(trx, user.id);
    await repo.insertRecoveryCodes(trx, user.id, codes.map(sha256));
    await recordAudit(trx, { organizationId: user.organizationId, actorId: user.id, action: "auth.totp.enabled", ip });
  });
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
  const ok = await verifySecondFactor(
    deps.db,
    user,
    "code" in proof ? { totpCode: proof.code } : { recoveryCode: proof.recoveryCode },
  );
  if (!ok) throw appError("BAD_REQUEST", "The code is not valid");
  await deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { totpSecret: null, totpEnabledAt: null, totpLastStep: null });
    await repo.deleteRecoveryCodes(trx, user.id);
    await recordAudit(trx, { organizationId: user.organizationId, actorId: user.id, action: "auth.totp.disabled", ip });
  });
  return { ok: true as const };
}
