import type { UseCaseMedia } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { appError, fieldError, notFound } from "../../lib/errors";
import { countOwned } from "../files/repo";
import { assertOwnFiles } from "../files/service";
import { derivedSources, discardMedia, mediaOf, requestProcessing } from "../media/service";
import { canEdit, mayRead } from "./access";
import { docsOf, type MediaItem } from "./docs";
import { useCaseListsChanged } from "./list-cache";
import * as repo from "./repo";

/**
 * A use case's photos and videos: uploaded through `/files`, then attached here. The media module
 * re-encodes them (images to WebP with thumbnails, videos get a poster and their duration) and
 * tells the owner live when each is ready. The list (captions, order) is the MongoDB document's.
 */

export const MAX_MEDIA = 20;

export async function mediaList(deps: AppDeps, items: readonly MediaItem[]): Promise<UseCaseMedia[]> {
  const assets = await mediaOf(
    deps.db,
    items.map((m) => m.fileId),
  );
  return items.flatMap((item) => {
    const asset = assets.get(item.fileId);
    return asset ? [{ ...asset, caption: item.caption }] : [];
  });
}

async function editable(deps: AppDeps, caller: Principal, id: string) {
  const row = await repo.findRow(deps.db, id);
  if (!row || !mayRead(row, caller)) throw notFound("Use case");
  if (!canEdit(row, caller))
    throw appError("FORBIDDEN", "Only its author or their organization's admin can change this use case");
  return row;
}

const listOf = async (deps: AppDeps, id: string) => (await docsOf(deps.mongo).findOne({ _id: id }))?.media ?? [];

/**
 * Rewrites the list from what it is now, only if nobody changed it meanwhile (compare and set, a
 * few tries): a whole-array write, as the MongoDB-wire server used here has no positional updates.
 */
async function changeList(deps: AppDeps, id: string, change: (list: MediaItem[]) => MediaItem[]) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await listOf(deps, id);
    const { matchedCount } = await docsOf(deps.mongo).updateOne(
      { _id: id, media: current },
      { $set: { media: change(current) } },
    );
    if (matchedCount) return;
  }
  throw appError("CONFLICT", "The photos of this use case changed meanwhile; try again");
}

/**
 * Copies the list's files to PostgreSQL (the card's cover, download rights), read under the row's
 * lock: of two changes at once, the one that locks last reads the list after both. A crash just
 * before leaves the previous copy until the next change (or the card job, for rows it marks).
 * Answers the list it copied. Cached list pages are the caller's to drop (syncMediaFiles).
 */
export function copyMediaFiles(deps: AppDeps, id: string): Promise<MediaItem[]> {
  return deps.db.transaction().execute(async (trx) => {
    await repo.lockRow(trx, id);
    const list = await listOf(deps, id);
    await repo.setMediaFiles(
      trx,
      id,
      list.map((m) => m.fileId),
    );
    return list;
  });
}

/** copyMediaFiles after a change to one use case's media; its list pages go (the first file is the card's cover). */
async function syncMediaFiles(deps: AppDeps, id: string): Promise<MediaItem[]> {
  const list = await copyMediaFiles(deps, id);
  await useCaseListsChanged(deps);
  return list;
}

/** Attaches one of the caller's uploads; attaching the same file again only updates its caption. */
export async function addMedia(
  deps: AppDeps,
  caller: Principal,
  input: { id: string; fileId: string; caption: string },
) {
  const row = await editable(deps, caller, input.id);
  // The caller's own upload, or the owner's (an org admin arranging a colleague's photos).
  const fileOwner = (await countOwned(deps.db, row.ownerId, [input.fileId])) > 0 ? row.ownerId : caller.userId;
  if (fileOwner === caller.userId) await assertOwnFiles(deps.db, caller.userId, [input.fileId], "fileId");
  const current = await listOf(deps, input.id);
  if (current.some((m) => m.fileId === input.fileId)) {
    await changeList(deps, input.id, (list) =>
      list.map((m) => (m.fileId === input.fileId ? { ...m, caption: input.caption } : m)),
    );
  } else {
    if (current.length >= MAX_MEDIA) throw fieldError("fileId", `At most ${MAX_MEDIA} photos and videos`);
    await requestProcessing(deps, deps.db, { fileId: input.fileId, ownerId: fileOwner });
    // Only if still under the limit when it lands (two parallel adds cannot pass it).
    const added = await docsOf(deps.mongo).updateOne(
      { _id: input.id, "media.fileId": { $ne: input.fileId }, [`media.${MAX_MEDIA - 1}`]: { $exists: false } },
      { $push: { media: { fileId: input.fileId, caption: input.caption } } },
    );
    if (!added.modifiedCount && !(await listOf(deps, input.id)).some((m) => m.fileId === input.fileId)) {
      // A parallel add took the last place: nothing of this one stays behind.
      await discardIfUnused(deps, input.fileId);
      throw fieldError("fileId", `At most ${MAX_MEDIA} photos and videos`);
    }
  }
  return mediaList(deps, await syncMediaFiles(deps, input.id));
}

/** A file no use case shows any more: its processed copies go (the upload stays its owner's to delete). */
async function discardIfUnused(deps: AppDeps, fileId: string) {
  if (await repo.isShown(deps.db, fileId)) return;
  const { removeBytes } = await discardMedia(deps, deps.db, [fileId]);
  await removeBytes();
}

export async function removeMedia(deps: AppDeps, caller: Principal, input: { id: string; fileId: string }) {
  await editable(deps, caller, input.id);
  await changeList(deps, input.id, (list) => list.filter((m) => m.fileId !== input.fileId));
  const list = await syncMediaFiles(deps, input.id);
  await discardIfUnused(deps, input.fileId);
  return mediaList(deps, list);
}

/** The new order: exactly the attached files, each once. */
export async function reorderMedia(deps: AppDeps, caller: Principal, input: { id: string; fileIds: string[] }) {
  await editable(deps, caller, input.id);
  const current = await listOf(deps, input.id);
  const same =
    input.fileIds.length === current.length &&
    new Set(input.fileIds).size === current.length &&
    current.every((m) => input.fileIds.includes(m.fileId));
  if (!same) throw fieldError("fileIds", "List every attached file exactly once");
  await changeList(deps, input.id, (list) => {
    const byId = new Map(list.map((m) => [m.fileId, m]));
    return input.fileIds.flatMap((f) => byId.get(f) ?? []);
  });
  return mediaList(deps, await syncMediaFiles(deps, input.id));
}

/**
 * Which of these files (attached media, or a variant of one) the caller may download: those of
 * use cases the caller may see. The use cases' file holder (modules/index.ts).
 */
export async function visibleMediaFiles(
  deps: AppDeps,
  caller: Principal,
  fileIds: readonly string[],
): Promise<Set<string>> {
  const sources = await derivedSources(deps.db, fileIds);
  const wanted = [...new Set(fileIds.map((id) => sources.get(id) ?? id))];
  const visible = new Set(
    (await repo.rowsShowing(deps.db, wanted)).filter((row) => mayRead(row, caller)).map((row) => row.fileId),
  );
  return new Set(fileIds.filter((id) => visible.has(sources.get(id) ?? id)));
}
