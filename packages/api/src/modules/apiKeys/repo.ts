import type { Role } from "@p2p/schemas";
import type { ApiKeyAuth } from "../../infra/auth/authenticator";
import type { Db } from "../../infra/postgres/db";

export async function insertApiKey(
  db: Db,
  key: { id: string; organizationId: string; createdBy: string; name: string; role: Role; secretHash: string },
) {
  return db.insertInto("apiKeys").values(key).returning(["id", "name", "role", "createdAt"]).executeTakeFirstOrThrow();
}

export async function countActiveApiKeys(db: Db, orgId: string): Promise<number> {
  const { count } = await db
    .selectFrom("apiKeys")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("organizationId", "=", orgId)
    .where("revokedAt", "is", null)
    .executeTakeFirstOrThrow();
  return count;
}

/** Active keys of one organization, newest first. */
export async function listApiKeys(db: Db, orgId: string) {
  return db
    .selectFrom("apiKeys")
    .select(["id", "name", "role", "createdBy", "lastUsedAt", "createdAt"])
    .where("organizationId", "=", orgId)
    .where("revokedAt", "is", null)
    .orderBy("createdAt", "desc")
    .execute();
}

/** Marks an active key of this organization revoked; undefined when there is none. */
export async function revokeApiKey(db: Db, orgId: string, id: string) {
  return db
    .updateTable("apiKeys")
    .set({ revokedAt: new Date() })
    .where("id", "=", id)
    .where("organizationId", "=", orgId)
    .where("revokedAt", "is", null)
    .returning(["id", "name"])
    .executeTakeFirst();
}

/** Revokes every active key a user created in an organization (on deactivation); returns their ids. */
export async function revokeApiKeysCreatedBy(db: Db, orgId: string, userId: string) {
  return db
    .updateTable("apiKeys")
    .set({ revokedAt: new Date() })
    .where("organizationId", "=", orgId)
    .where("createdBy", "=", userId)
    .where("revokedAt", "is", null)
    .returning("id")
    .execute();
}

/** An unrevoked key by id, for the authenticator (see AccountLookup). */
export async function findActiveKey(db: Db, id: string): Promise<ApiKeyAuth | null> {
  const key = await db
    .selectFrom("apiKeys")
    .select(["organizationId", "createdBy", "role", "secretHash", "lastUsedAt"])
    .where("id", "=", id)
    .where("revokedAt", "is", null)
    .executeTakeFirst();
  return key ?? null;
}

export async function markUsed(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable("apiKeys").set({ lastUsedAt: at }).where("id", "=", id).execute();
}
