import { type Insertable, type Selectable, sql } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { FilesTable } from "../../infra/postgres/schema";

export type FileRow = Selectable<FilesTable>;

export { isForeignKeyViolation } from "../../infra/postgres/errors";

export function findFile(db: Db, id: string): Promise<FileRow | undefined> {
  return db.selectFrom("files").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findByIdempotencyKey(db: Db, ownerId: string, key: string): Promise<FileRow | undefined> {
  return db
    .selectFrom("files")
    .selectAll()
    .where("ownerId", "=", ownerId)
    .where("idempotencyKey", "=", key)
    .executeTakeFirst();
}

export function insertFile(db: Db, file: Insertable<FilesTable>): Promise<FileRow> {
  return db.insertInto("files").values(file).returningAll().executeTakeFirstOrThrow();
}

/** Deletes the file when `ownerId` owns it; a foreign-key violation means something still uses it. */
export function deleteOwnFile(db: Db, id: string, ownerId: string) {
  return db
    .deleteFrom("files")
    .where("id", "=", id)
    .where("ownerId", "=", ownerId)
    .returning("storageKey")
    .executeTakeFirst();
}

/** Bytes stored by an organization's files. */
export async function storageBytes(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom("files")
    .where("organizationId", "=", orgId)
    // sum(bigint) is numeric (a string in pg); the cast makes it an int8, parsed as a number.
    .select(sql<number>`coalesce(sum(size), 0)::bigint`.as("storageBytes"))
    .executeTakeFirstOrThrow();
  return row.storageBytes;
}

/** The uploader's file, locked until the transaction ends: whatever attaches it meanwhile waits. */
export const lockOwnFile = (trx: Db, id: string, ownerId: string) =>
  trx
    .selectFrom("files")
    .selectAll()
    .where("id", "=", id)
    .where("ownerId", "=", ownerId)
    .forUpdate()
    .executeTakeFirst();

/**
 * How many of `ids` are the uploader's, each kept from deletion until the transaction ends (a
 * deletion under way is waited for, and its file is then not counted).
 */
export async function lockOwned(trx: Db, ownerId: string, ids: readonly string[]): Promise<number> {
  const rows = await trx
    .selectFrom("files")
    .select("id")
    .where("ownerId", "=", ownerId)
    .where("id", "in", ids)
    .forShare()
    .execute();
  return rows.length;
}

export async function countOwned(db: Db, ownerId: string, ids: string[]): Promise<number> {
  const row = await db
    .selectFrom("files")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("ownerId", "=", ownerId)
    .where("id", "in", ids)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Name, type and size of many files in one query, for attachment lists. */
export function findMany(db: Db, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom("files").select(["id", "name", "contentType", "size"]).where("id", "in", ids).execute();
}

/** Inserts a file the server made under a fixed id; the same id again inserts nothing (a retried job). */
export async function insertFileOnce(db: Db, file: Insertable<FilesTable>): Promise<FileRow> {
  await db
    .insertInto("files")
    .values(file)
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  return db.selectFrom("files").selectAll().where("id", "=", file.id).executeTakeFirstOrThrow();
}

/** Deletes files by id (no owner check: for files the server made); returns their storage keys. */
export async function deleteFilesById(db: Db, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .deleteFrom("files")
    .where("id", "in", [...ids])
    .returning("storageKey")
    .execute();
  return rows.map((r) => r.storageKey);
}
