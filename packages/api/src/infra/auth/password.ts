import { dictionary } from "@zxcvbn-ts/language-common";
import argon2 from "argon2";

/** The ~50k most common passwords (zxcvbn's list), lower-cased, for the sign-up policy. */
let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** Why a new password is refused, or null when it is acceptable. Length is checked by the schema. */
export function passwordProblem(password: string, email: string): string | null {
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split("@")[0] ?? "";
  if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local))) {
    return "Password must not contain your email address";
  }
  if (commonPasswords().has(lower)) return "This password is too common; choose a less predictable one";
  if (new Set(password).size < 4) return "Password needs more variety of characters";
  return null;
}

export class PasswordHasher {
  constructor(private readonly cost: { memoryKib: number; passes: number }) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.cost.memoryKib,
      timeCost: this.cost.passes,
      parallelism: 1,
    });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      // Same work as a real check, so timing does not reveal whether the account exists.
      await this.hash(password);
      return false;
    }
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
