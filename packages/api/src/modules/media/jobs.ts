import type { MediaAsset } from "@p2p/schemas";
import { v5 as uuidv5 } from "uuid";
import type { AppDeps } from "../../deps";
import { readAfterCommit } from "../../infra/postgres/commit-lock";
import { findFile } from "../files/repo";
import { deleteDerivedFiles, readFileBytes, storeDerivedFile } from "../files/service";
import type { ModuleJob } from "../jobs";
import { publishToUser } from "../messages/channel";
import { type Processed, processImage, processVideo, UnprocessableMedia, type VariantName } from "./process";
import type { MediaAssetRow } from "./repo";
import * as repo from "./repo";
import { MEDIA_LOCK, mediaFinished, PROCESS_JOB, toMediaAsset } from "./service";

const SWEEP_JOB = "media.sweep";
/** A pending asset untouched this long lost its job (Redis down when it was queued, retries used up): queue it again. */
const STALE_MS = 10 * 60_000;
/** A pending asset this old gives up. */
const GIVE_UP_MS = 24 * 3600_000;
/** Namespace of the derived files' ids (UUID v5 of the source, its request and the variant). */
const DERIVED_NAMESPACE = "0f0e3a7c-5d6b-4c3e-9a51-7be2a7d1c9f4";

/**
 * The same asset, request and variant always give the same id, so a retried or duplicated run
 * stores each derived file once; a new request after `discardMedia` (a new `createdAt`) gets new ids.
 */
const derivedId = (asset: MediaAssetRow, variant: VariantName) =>
  uuidv5(`${asset.fileId}/${asset.createdAt.toISOString()}/${variant}`, DERIVED_NAMESPACE);

const derivedName = (sourceName: string, variant: VariantName) =>
  `${sourceName.replace(/\.[^.]*$/, "").slice(0, 150) || "media"}-${variant}.webp`;

type Outcome = Parameters<typeof repo.finishAsset>[2];

/** Processes one asset once its request committed; nothing for a rolled-back request or a finished asset. */
async function processAsset(deps: AppDeps, data: unknown): Promise<void> {
  const { fileId } = data as { fileId: string };
  const asset = await readAfterCommit(deps.db, MEDIA_LOCK, fileId, (trx) => repo.findAsset(trx, fileId));
  if (asset?.status !== "pending") return;
  const source = await findFile(deps.db, fileId);
  const bytes = source ? await readFileBytes(deps, source) : null;
  const stored: Partial<Record<VariantName, string>> = {};
  let outcome: Outcome;
  if (!source || !bytes) {
    outcome = { status: "failed", error: "The uploaded file is missing" };
  } else {
    try {
      const processed: Processed =
        asset.kind === "image" ? await processImage(bytes) : await processVideo(bytes, deps.config.media);
      for (const variant of processed.variants) {
        const file = await storeDerivedFile(deps, {
          id: derivedId(asset, variant.name),
          source,
          name: derivedName(source.name, variant.name),
          contentType: "image/webp",
          bytes: variant.bytes,
        });
        stored[variant.name] = file.id;
      }
      outcome = {
        status: "ready",
        error: null,
        width: processed.width,
        height: processed.height,
        durationMs: processed.durationMs,
        displayFileId: stored.display ?? null,
        thumb320FileId: stored.thumb320 ?? null,
        thumb640FileId: stored.thumb640 ?? null,
        posterFileId: stored.poster ?? null,
      };
    } catch (err) {
      // The content's fault ends the asset; anything else (storage, a missing binary) is retried.
      if (!(err instanceof UnprocessableMedia)) throw err;
      deps.logger.info({ fileId, reason: err.message }, "media could not be processed");
      outcome = { status: "failed", error: err.message };
    }
  }
  const finished = await repo.finishAsset(deps.db, fileId, outcome);
  if (!finished) {
    // Discarded meanwhile: what this run stored belongs to nothing. (Finished by a concurrent run:
    // the same ids, kept.)
    if (!(await repo.findAsset(deps.db, fileId))) {
      await (await deleteDerivedFiles(deps, deps.db, Object.values(stored))).removeBytes();
    }
    return;
  }
  await announce(deps, toMediaAsset(finished), finished.ownerId);
}

/**
 * The owner's devices learn the new status live, and every node that caches pages showing media
 * drops them; the state itself is stored, so a lost event loses nothing (cached pages expire).
 */
async function announce(deps: AppDeps, asset: MediaAsset, ownerId: string): Promise<void> {
  await Promise.all([
    publishToUser(deps, ownerId, { type: "media.status", asset }),
    deps.events.broadcast(mediaFinished, "all", { fileId: asset.fileId }),
  ]).catch((err) => deps.logger.warn({ err, fileId: asset.fileId }, "could not publish a media status"));
}

/** Pending assets whose job was lost are queued again; after a day they give up. */
async function sweep(deps: AppDeps): Promise<void> {
  const now = Date.now();
  for (const asset of await repo.pendingBefore(deps.db, new Date(now - STALE_MS), 100)) {
    if (asset.createdAt.getTime() < now - GIVE_UP_MS) {
      const finished = await repo.finishAsset(deps.db, asset.fileId, {
        status: "failed",
        error: "Processing did not finish; upload the file again",
      });
      if (finished) await announce(deps, toMediaAsset(finished), finished.ownerId);
      continue;
    }
    await repo.touchPending(deps.db, asset.fileId);
    await deps.jobs.requeue(PROCESS_JOB, { fileId: asset.fileId }, `media-sweep-${asset.fileId}`);
  }
}

export const mediaJobs: ModuleJob[] = [
  { name: PROCESS_JOB, run: processAsset },
  { name: SWEEP_JOB, everyMs: 60_000, run: sweep },
];
