import type { UseCaseMedia } from "@p2p/schemas";
import type { AppDeps, Db } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { appError, fieldError, notFound } from "../../lib/errors";
import { findFile } from "../files/repo";
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
 * Writes the list (when `change` is given) and copies its files to PostgreSQL (the card's cover,
 * download rights), under the use case's PostgreSQL row lock, which every write of its document
 * takes (content edits lock it too). The lock is what serializes changes: the MongoDB-wire server
 * used here rewrites a whole document per update without locking it, so two updates at once, even
 * a `$push` or a compare-and-set, could lose one. `change` may throw to refuse (nothing is
 * written). A crash between the two writes leaves the previous copy until the next change (or the
 * card job, for rows it marks). Answers the list.
 */
function writeList(
  deps: AppDeps,
  id: string,
  change?: (list: MediaItem[]) => MediaItem[],
  alongside?: (trx: Db) => Promise<unknown>,
): Promise<MediaItem[]> {
  return deps.db.transaction().execute(async (trx) => {
    await repo.lockRow(trx, id);
    const current = await listOf(deps, id);
    const list = change ? change(current) : current;
    await repo.setMediaFiles(
      trx,
      id,
      list.map((m) => m.fileId),
    );
    await alongside?.(trx);
    // Last: whatever failed before it (a refused change, the processing) left the document as it was.
    if (change) await docsOf(deps.mongo).updateOne({ _id: id }, { $set: { media: list } });
    return list;
  });
}

/** Copies the list's files to PostgreSQL, for a row from before cards were kept there. */
export const copyMediaFiles = (deps: AppDeps, id: string) => writeList(deps, id);

/**
 * One change of the list, and what must agree with it written in the same transaction
 * (`alongside`: the processing of a file shown, or the discarding of one no longer shown); cached
 * list pages go (the first file is the card's cover).
 */
async function changeList(
  deps: AppDeps,
  id: string,
  change: (list: MediaItem[]) => MediaItem[],
  alongside?: (trx: Db) => Promise<unknown>,
) {
  const list = await writeList(deps, id, change, alongside);
  await useCaseListsChanged(deps);
  return mediaList(deps, list);
}

const tooMany = () => fieldError("fileId", `At most ${MAX_MEDIA} photos and videos`);

/** Attaches one of the caller's uploads; attaching the same file again only updates its caption. */
export async function addMedia(
  deps: AppDeps,
  caller: Principal,
  input: { id: string; fileId: string; caption: string },
) {
  await editable(deps, caller, input.id);
  const current = await listOf(deps, input.id);
  const isNew = !current.some((m) => m.fileId === input.fileId);
  // A new photo is the caller's own upload: an admin could otherwise show, even publish, a member's
  // private file. One the use case shows already shows nothing new captioned again: whoever may edit
  // may (the owner, a photo their admin added; the admin, the owner's).
  if (isNew) await assertOwnFiles(deps.db, caller.userId, [input.fileId], "fileId");
  const fileOwner = isNew ? caller.userId : ((await findFile(deps.db, input.fileId))?.ownerId ?? caller.userId);
  if (isNew && current.length >= MAX_MEDIA) throw tooMany();
  if (isNew) await requestProcessing(deps, deps.db, { fileId: input.fileId, ownerId: fileOwner });
  try {
    return await changeList(
      deps,
      input.id,
      (list) => {
        if (list.some((m) => m.fileId === input.fileId))
          return list.map((m) => (m.fileId === input.fileId ? { ...m, caption: input.caption } : m));
        // Checked again under the lock: parallel adds cannot pass the limit.
        if (list.length >= MAX_MEDIA) throw tooMany();
        return [...list, { fileId: input.fileId, caption: input.caption }];
      },
      // Under the same lock as a removal that may have discarded its processed copies meanwhile:
      // a file the list shows has them (asked again when they went; nothing when they are there).
      (trx) => requestProcessing(deps, trx, { fileId: input.fileId, ownerId: fileOwner }),
    );
  } catch (err) {
    // Refused (or failed): nothing of this attachment stays behind.
    if (isNew) await discardIfUnused(deps, input.fileId);
    throw err;
  }
}

/** A file no use case shows any more: its processed copies go (the upload stays its owner's to delete). */
async function discardIfUnused(deps: AppDeps, fileId: string) {
  if (await repo.isShown(deps.db, fileId)) return;
  const { removeBytes } = await discardMedia(deps, deps.db, [fileId]);
  await removeBytes();
}

export async function removeMedia(deps: AppDeps, caller: Principal, input: { id: string; fileId: string }) {
  await editable(deps, caller, input.id);
  let discarded: { removeBytes(): Promise<void> } | null = null;
  const list = await changeList(
    deps,
    input.id,
    (current) => current.filter((m) => m.fileId !== input.fileId),
    // Decided under the lock an add of the same file takes: it cannot come back without its copies.
    async (trx) => {
      if (!(await repo.isShown(trx, input.fileId))) discarded = await discardMedia(deps, trx, [input.fileId]);
    },
  );
  await (discarded as { removeBytes(): Promise<void> } | null)?.removeBytes();
  return list;
}

/** The new order: exactly the attached files, each once. */
export async function reorderMedia(deps: AppDeps, caller: Principal, input: { id: string; fileIds: string[] }) {
  await editable(deps, caller, input.id);
  return changeList(deps, input.id, (current) => {
    const byId = new Map(current.map((m) => [m.fileId, m]));
    const same =
      input.fileIds.length === current.length &&
      new Set(input.fileIds).size === current.length &&
      input.fileIds.every((f) => byId.has(f));
    if (!same) throw fieldError("fileIds", "List every attached file exactly once");
    return input.fileIds.flatMap((f) => byId.get(f) ?? []);
  });
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
