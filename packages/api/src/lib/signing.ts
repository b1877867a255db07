import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * Signed links (unsubscribe links, export downloads): an HMAC-SHA256 over a payload, with a key
 * derived through HKDF from the server's secret for one purpose only, so a signature made for one
 * kind of link is worthless for another.
 */
export interface Signer {
  sign(payload: string): string;
  /** Whether `signature` is this signer's for `payload` (in constant time). */
  verify(payload: string, signature: string): boolean;
}

export function signerFor(secret: string | Buffer, purpose: string): Signer {
  const key = Buffer.from(hkdfSync("sha256", secret, "", purpose, 32));
  const sign = (payload: string) => createHmac("sha256", key).update(payload).digest("base64url");
  return {
    sign,
    verify(payload, signature) {
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
