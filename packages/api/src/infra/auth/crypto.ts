import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A URL-safe random secret with `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString("base64url");

/** Secrets are stored as SHA-256: they are long and random, so a slow hash adds nothing. */
export const sha256 = (value: string): string => createHash("sha256").update(value).digest("base64url");

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** `<id>.<secret>`: the id finds the row by primary key, the secret proves possession. */
export function splitToken(token: string): { id: string; secret: string } | null {
  const dot = token.indexOf(".");
  if (dot < 0) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!/^[0-9a-f-]{36}$/.test(id) || secret.length < 20 || secret.length > 100) return null;
  return { id, secret };
}

const SEALED = "v1:";

/**
 * Encrypts a secret to store at rest: AES-256-GCM, `v1:` + base64url(iv ‖ tag ‖ ciphertext).
 * `context` (e.g. the owner's id) is authenticated too, so a value copied to another row fails to open.
 */
export function sealSecret(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return SEALED + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64url");
}

export const isSealed = (stored: string): boolean => stored.startsWith(SEALED);

/** The plaintext of a `sealSecret` value; throws when the key, the context or the value is wrong. */
export function openSecret(key: Buffer, stored: string, context: string): string {
  if (!isSealed(stored)) throw new Error("not a sealed secret");
  const raw = Buffer.from(stored.slice(SEALED.length), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12)).setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
