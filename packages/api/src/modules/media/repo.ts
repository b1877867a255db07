import type { Insertable, Selectable, Updateable } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { MediaAssetsTable } from "../../infra/postgres/schema";

export type MediaAssetRow = Selectable<MediaAssetsTable>;

/** The derived-file columns, in one place for the queries that look a variant up. */
export const derivedColumns = ["displayFileId", "thumb320FileId", "thumb640FileId", "posterFileId"] as const;

export function findAsset(db: Db, fileId: string): Promise<MediaAssetRow | undefined> {
  return db.selectFrom("mediaAssets").selectAll().where("fileId", "=", fileId).executeTakeFirst();
}

export function findAssets(db: Db, fileIds: readonly string[]): Promise<MediaAssetRow[]> {
  if (!fileIds.length) return Promise.resolve([]);
  return db
    .selectFrom("mediaAssets")
    .selectAll()
    .where("fileId", "in", [...fileIds])
    .execute();
}

/** Inserts a pending asset; undefined when the file already has one (a repeated request). */
export function insertAssetOnce(
  db: Db,
  asset: Pick<Insertable<MediaAssetsTable>, "fileId" | "ownerId" | "kind">,
): Promise<MediaAssetRow | undefined> {
  return db
    .insertInto("mediaAssets")
    .values(asset)
    .onConflict((oc) => oc.column("fileId").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Ends a pending asset (ready or failed); undefined when it is no longer pending or no longer exists. */
export function finishAsset(
  db: Db,
  fileId: string,
  result: Omit<Updateable<MediaAssetsTable>, "fileId" | "ownerId" | "kind" | "createdAt" | "updatedAt">,
): Promise<MediaAssetRow | undefined> {
  return db
    .updateTable("mediaAssets")
    .set({ ...result, updatedAt: new Date() })
    .where("fileId", "=", fileId)
    .where("status", "=", "pending")
    .returningAll()
    .executeTakeFirst();
}

/** Which source each of `fileIds` was derived from (only the ids that are derived files). */
export async function sourcesOf(
  db: Db,
  fileIds: readonly string[],
): Promise<{ derivedId: string; sourceId: string }[]> {
  if (!fileIds.length) return [];
  const ids = [...fileIds];
  const rows = await db
    .selectFrom("mediaAssets")
    .select(["fileId", ...derivedColumns])
    .where((eb) => eb.or(derivedColumns.map((column) => eb(column, "in", ids))))
    .execute();
  const wanted = new Set(ids);
  return rows.flatMap((row) =>
    derivedColumns.flatMap((column) => {
      const derivedId = row[column];
      return derivedId && wanted.has(derivedId) ? [{ derivedId, sourceId: row.fileId }] : [];
    }),
  );
}

/** Pending assets last touched before `before`, oldest first (the sweeper's work). */
export function pendingBefore(db: Db, before: Date, limit: number): Promise<MediaAssetRow[]> {
  return db
    .selectFrom("mediaAssets")
    .selectAll()
    .where("status", "=", "pending")
    .where("updatedAt", "<", before)
    .orderBy("updatedAt")
    .limit(limit)
    .execute();
}

/** Marks a pending asset as touched (requeued), so the sweeper leaves it alone for a while. */
export async function touchPending(db: Db, fileId: string): Promise<void> {
  await db
    .updateTable("mediaAssets")
    .set({ updatedAt: new Date() })
    .where("fileId", "=", fileId)
    .where("status", "=", "pending")
    .execute();
}

/** Deletes the assets of `fileIds`; returns them (their derived files are the caller's to delete). */
export function deleteAssets(db: Db, fileIds: readonly string[]): Promise<MediaAssetRow[]> {
  if (!fileIds.length) return Promise.resolve([]);
  return db
    .deleteFrom("mediaAssets")
    .where("fileId", "in", [...fileIds])
    .returningAll()
    .execute();
}
