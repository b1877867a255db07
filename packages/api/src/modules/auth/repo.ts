import type { Insertable } from "kysely";
import { v7 as uuidv7 } from "uuid";
import type { Db } from "../../infra/postgres/db";
import type { AuthTokensTable, SignupRequestsTable } from "../../infra/postgres/schema";

type Purpose = AuthTokensTable["purpose"];

export const insertAuthToken = (db: Db, token: Insertable<AuthTokensTable>) =>
  db.insertInto("authTokens").values(token).execute();

/** Marks a usable token used and returns its user: of two concurrent uses only one gets a row. */
export async function useAuthToken(db: Db, tokenHash: string, purpose: Purpose): Promise<string | undefined> {
  const row = await db
    .updateTable("authTokens")
    .set({ usedAt: new Date() })
    .where("tokenHash", "=", tokenHash)
    .where("purpose", "=", purpose)
    .where("usedAt", "is", null)
    .where("expiresAt", ">", new Date())
    .returning("userId")
    .executeTakeFirst();
  return row?.userId;
}

/** Marks a user's unused tokens of one purpose used. */
export async function voidAuthTokens(db: Db, userId: string, purpose: Purpose): Promise<void> {
  await db
    .updateTable("authTokens")
    .set({ usedAt: new Date() })
    .where("userId", "=", userId)
    .where("purpose", "=", purpose)
    .where("usedAt", "is", null)
    .execute();
}

/** Marks an unused recovery code used; false when the user has no such unused code. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string): Promise<boolean> {
  const used = await db
    .updateTable("recoveryCodes")
    .set({ usedAt: new Date() })
    .where("userId", "=", userId)
    .where("codeHash", "=", codeHash)
    .where("usedAt", "is", null)
    .returning("id")
    .executeTakeFirst();
  return used !== undefined;
}

export async function deleteRecoveryCodes(db: Db, userId: string): Promise<void> {
  await db.deleteFrom("recoveryCodes").where("userId", "=", userId).execute();
}

export async function insertRecoveryCodes(db: Db, userId: string, codeHashes: string[]): Promise<void> {
  await db
    .insertInto("recoveryCodes")
    .values(codeHashes.map((codeHash) => ({ id: uuidv7(), userId, codeHash })))
    .execute();
}

// ---------------------------------------------------------------- sign-up requests (signup.ts)

export const insertSignupRequest = (db: Db, request: Insertable<SignupRequestsTable>) =>
  db.insertInto("signupRequests").values(request).execute();

export const findSignupRequest = (db: Db, id: string) =>
  db.selectFrom("signupRequests").selectAll().where("id", "=", id).executeTakeFirst();

export const setSignupToken = (db: Db, id: string, tokenHash: string) =>
  db.updateTable("signupRequests").set({ tokenHash }).where("id", "=", id).execute();

export const deleteSignupRequest = (db: Db, id: string) =>
  db.deleteFrom("signupRequests").where("id", "=", id).execute();

/** An unexpired request by its link's hash. */
export const findUsableSignupRequest = (db: Db, tokenHash: string) =>
  db
    .selectFrom("signupRequests")
    .selectAll()
    .where("tokenHash", "=", tokenHash)
    .where("expiresAt", ">", new Date())
    .executeTakeFirst();

/** Deletes every request for an address (its account exists now); true when the one with `tokenHash` was among them. */
export async function takeSignupRequests(db: Db, email: string, tokenHash: string): Promise<boolean> {
  const taken = await db
    .deleteFrom("signupRequests")
    .where("email", "=", email)
    .returning(["tokenHash", "expiresAt"])
    .execute();
  return taken.some((r) => r.tokenHash === tokenHash && r.expiresAt > new Date());
}

export const purgeExpiredSignupRequests = (db: Db) =>
  db.deleteFrom("signupRequests").where("expiresAt", "<=", new Date()).execute();
