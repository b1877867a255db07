import { v7 as uuidv7 } from "uuid";
import { randomToken, sha256 } from "../../infra/auth/crypto";
import type { Db } from "../../infra/postgres/db";
import type { AuthTokensTable } from "../../infra/postgres/schema";
import { appError } from "../../lib/errors";
import * as repo from "./repo";

type Purpose = AuthTokensTable["purpose"];

/** Issues a single-use emailed token; only its hash is stored. */
export async function issueAuthToken(db: Db, userId: string, purpose: Purpose, ttlMs: number): Promise<string> {
  const token = randomToken();
  await repo.insertAuthToken(db, {
    id: uuidv7(),
    userId,
    purpose,
    tokenHash: sha256(token),
    expiresAt: new Date(Date.now() + ttlMs),
  });
  return token;
}

/**
 * Marks a token used and returns its user, atomically: of two concurrent uses only one succeeds.
 * Unknown, used and expired tokens all get the same answer.
 */
export async function consumeAuthToken(db: Db, token: string, purpose: Purpose): Promise<string> {
  const userId = await repo.useAuthToken(db, sha256(token), purpose);
  if (!userId) throw appError("INVALID_TOKEN", "This link is invalid or has expired");
  return userId;
}
