import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

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
