import { v7 as uuidv7 } from "uuid";
import { randomToken, sha256 } from "../../infra/auth/crypto";
import type { Db } from "../../infra/postgres/db";
import type { AuthTokensTable } from "../../infra/postgres/schema";
import { appError } from "../../lib/errors";

type Purpose = AuthTokensTable["purpose"];

/** Issues a single-use emailed token; only its hash is stored. */
export async function issueAuthToken(db: Db, userId: string, purpose: Purpose, ttlMs: number): Promise<string> {
  const token = randomToken();
  await db
    .insertInto("authTokens")
    .values({ id: uuidv7(), userId, purpose, tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttlMs) })
    .execute();
  return token;
}

/**
 * Marks a token used and returns its user, atomically: of two concurrent uses only one succeeds.
 * Unknown, used and expired tokens all get the same answer.
 */
export async function consumeAuthToken(db: Db, token: string, purpose: Purpose): Promise<string> {
  const row = await db
    .updateTable("authTokens")
    .set({ usedAt: new Date() })
    .where("tokenHash", "=", sha256(token))
    .where("purpose", "=", purpose)
    .where("usedAt", "is", null)
    .where("expiresAt", ">", new Date())
    .returning("userId")
    .executeTakeFirst();
  if (!row) throw appError("INVALID_TOKEN", "This link is invalid or has expired");
  return row.userId;
}

/** Outstanding links of one kind stop working, e.g. reset links once the password changed. */
export async function voidAuthTokens(db: Db, userId: string, purpose: Purpose): Promise<void> {
  await db
    .updateTable("authTokens")
    .set({ usedAt: new Date() })
    .where("userId", "=", userId)
    .where("purpose", "=", purpose)
    .where("usedAt", "is", null)
    .execute();
}
