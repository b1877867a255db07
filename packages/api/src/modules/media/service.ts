import type { MediaAsset, MediaKind } from "@p2p/schemas";
import { fileTypeFromBuffer } from "file-type";
import { v7 as uuidv7 } from "uuid";
import type { AppDeps, Db } from "../../deps";
import { defineChannel } from "../../infra/events/bus";
import { lockUntilCommit } from "../../infra/postgres/commit-lock";
import { unavailableStore } from "../../infra/store-errors";
import { fieldError } from "../../lib/errors";
import { findFile } from "../files/repo";
import { deleteDerivedFiles, readFileHead } from "../files/service";
import type { MediaAssetRow } from "./repo";
import * as repo from "./repo";

/**
 * The media pipeline, for the modules whose content shows uploaded pictures and videos (use cases):
 * `requestProcessing` when an upload becomes media, `mediaOf` to show it, `derivedSources` so the
 * holder of a source lets the same viewers download its variants, `discardMedia` when it is no
 * longer used. The work itself runs in a job (jobs.ts); its end is pushed to the owner's personal
 * stream as `media.status`, and broadcast to every node as `mediaFinished` (pages that show media
 * drop their cached copies).
 */

export const PROCESS_JOB = "media.process";
/** Broadcast to every node when a file's processing ended (ready or failed). */
export const mediaFinished = defineChannel<{ fileId: string }>("media.finished");
/** Namespace (int4) of the advisory lock a requesting transaction holds on the file id until it commits. */
export const MEDIA_LOCK = 0x6d656469;

/** What the pipeline accepts, by the file's real content (its signature), whatever type it was declared as. */
const kindOfMime: Record<string, MediaKind> = {
  "image/png": "image",
  "image/jpeg": "image",
  "image/webp": "image",
  "image/gif": "image",
  "video/mp4": "video",
  "video/webm": "video",
};

export function toMediaAsset(row: MediaAssetRow): MediaAsset {
  return {
    fileId: row.fileId,
    kind: row.kind,
    status: row.status,
    error: row.error,
    width: row.width,
    height: row.height,
    durationMs: row.durationMs,
    displayFileId: row.displayFileId,
    thumb320FileId: row.thumb320FileId,
    thumb640FileId: row.thumb640FileId,
    posterFileId: row.posterFileId,
  };
}

const MiB = 1024 * 1024;

/**
 * Has an uploaded image or video processed: stores a pending asset in `db` (the caller's
 * transaction, when given one) and runs the job once that commits. A second request for the same
 * file answers the asset it already has and does nothing else. Refuses, naming `fileId`, a file
 * that is not the owner's, that is not an image (PNG, JPEG, WebP, GIF) or a video (MP4, WebM) by
 * its content, a video over MAX_VIDEO_BYTES and an image over MAX_UPLOAD_BYTES.
 */
export async function requestProcessing(
  deps: AppDeps,
  db: Db,
  { fileId, ownerId }: { fileId: string; ownerId: string },
): Promise<MediaAsset> {
  const file = await findFile(db, fileId);
  if (!file || file.ownerId !== ownerId) throw fieldError("fileId", "Upload the file first; no such file of yours");
  const existing = await repo.findAsset(db, fileId);
  if (existing) return toMediaAsset(existing);
  if ((await repo.sourcesOf(db, [fileId])).length) {
    throw fieldError("fileId", "This file is a processed copy; use the file you uploaded");
  }
  const head = await readFileHead(deps, file);
  if (!head) throw fieldError("fileId", "Upload the file first; no such file of yours");
  const mime = (await fileTypeFromBuffer(head))?.mime;
  const kind = mime ? kindOfMime[mime] : undefined;
  if (!kind) throw fieldError("fileId", "Must be an image (PNG, JPEG, WebP, GIF) or a video (MP4, WebM)");
  const limit = kind === "video" ? deps.config.limits.maxVideoBytes : deps.config.limits.maxUploadBytes;
  if (file.size > limit) {
    throw fieldError(
      "fileId",
      `A${kind === "image" ? "n image" : " video"} may be at most ${Math.floor(limit / MiB)} MiB`,
    );
  }
  const created = await repo.insertAssetOnce(db, { fileId, ownerId, kind });
  // A concurrent request inserted first: that one runs the job.
  if (!created) return toMediaAsset((await repo.findAsset(db, fileId)) as MediaAssetRow);
  await lockUntilCommit(db, MEDIA_LOCK, fileId);
  // With Redis down the asset stays pending and the sweeper (jobs.ts) queues it once Redis is back.
  await deps.jobs.enqueue(PROCESS_JOB, { fileId }, { jobId: `media-${fileId}-${uuidv7()}` }).catch((err) => {
    if (!unavailableStore(err)) throw err;
  });
  return toMediaAsset(created);
}

/** The assets of those of `fileIds` that went through the pipeline, by source file id (one query). */
export async function mediaOf(db: Db, fileIds: readonly string[]): Promise<Map<string, MediaAsset>> {
  const rows = await repo.findAssets(db, [...new Set(fileIds)]);
  return new Map(rows.map((row) => [row.fileId, toMediaAsset(row)]));
}

/**
 * For those of `fileIds` that are derived files (a display copy, a thumbnail, a poster), the source
 * each was made from: a file holder lets a viewer download a variant exactly when it lets them
 * download its source (one query).
 */
export async function derivedSources(db: Db, fileIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await repo.sourcesOf(db, [...new Set(fileIds)]);
  return new Map(rows.map((r) => [r.derivedId, r.sourceId]));
}

/**
 * Forgets the media of `fileIds` (e.g. removed from every use case): deletes their assets and
 * derived files in `db` (the caller's transaction, when given one); the derived bytes go once it
 * committed, through the returned `removeBytes`. The source uploads stay (their owner may delete them).
 */
export async function discardMedia(
  deps: AppDeps,
  db: Db,
  fileIds: readonly string[],
): Promise<{ removeBytes(): Promise<void> }> {
  const assets = await repo.deleteAssets(db, [...new Set(fileIds)]);
  const derived = assets.flatMap((a) => repo.derivedColumns.flatMap((column) => a[column] ?? []));
  return deleteDerivedFiles(deps, db, derived);
}
