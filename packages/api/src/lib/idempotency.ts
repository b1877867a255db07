import { createHash } from "node:crypto";
import { appError } from "./errors";

/**
 * The fingerprint of what a create asked for, kept next to its client key: sha256 of the input as
 * its schema parsed it (trimmed, normalized), as JSON with sorted keys, so a retry that spaces or
 * orders its JSON differently is still the same request.
 */
export function requestHash(request: Record<string, unknown>): string {
  const json = JSON.stringify(request, (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash("sha256").update(json).digest("hex");
}

/** What an earlier create with the key left: the fingerprint of its request (null: from before they were kept). */
export interface Keyed {
  requestHash: string | null;
}

/** CONFLICT, naming the key (`clientMessageId` over tRPC, `Idempotency-Key` over REST and /files). */
export const keyReused = (key: string) =>
  appError(
    "CONFLICT",
    `Idempotency key "${key}" was already used for a different request; keys are for retries of the same request, so send a new request with a new key`,
    { idempotencyKey: key },
  );

/**
 * A create a client may retry with its key (`clientMessageId`, the REST `Idempotency-Key`): the
 * first request makes the item; a retry, also one racing the first (the key's unique index decides,
 * never a read before the write), answers with that item; the key with another request is CONFLICT,
 * with nothing written.
 */
export async function createOnce<Found extends Keyed, Out>(request: {
  key: string | undefined;
  hash: string;
  /** What the caller's key made, if anything. */
  find(key: string): Promise<Found | undefined>;
  /** Makes the item; undefined when the key's unique index refused it (a concurrent request won). */
  create(): Promise<Out | undefined>;
  /** The answer to a retry. */
  replay(found: Found): Promise<Out>;
}): Promise<Out> {
  const { key, hash } = request;
  const retried = (found: Found, key: string) => {
    if (found.requestHash !== null && found.requestHash !== hash) throw keyReused(key);
    return request.replay(found);
  };
  const earlier = key ? await request.find(key) : undefined;
  if (key && earlier) return retried(earlier, key);
  const made = await request.create();
  if (made !== undefined) return made;
  const winner = key ? await request.find(key) : undefined;
  if (!key || !winner) throw new Error("a create was refused as a retry, but no earlier item has its key");
  return retried(winner, key);
}
