import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import {
  type FileMeta,
  fileLimits,
  isImageContentType,
  isOfficeContentType,
  isTextContentType,
  type Organization,
  type UploadContentType,
} from "@p2p/schemas";
import { fileTypeFromBuffer } from "file-type";
import { v7 as uuidv7 } from "uuid";
import type { AppDeps } from "../../deps";
import { invalidateOrganizations, type Principal } from "../../infra/auth/authenticator";
import type { Db } from "../../infra/postgres/db";
import { refusedBy } from "../../infra/postgres/errors";
import type { ByteRange } from "../../infra/storage/storage";
import { appError, fieldError, notFound } from "../../lib/errors";
import { createOnce, requestHash } from "../../lib/idempotency";
import { recordAudit } from "../audit/repo";
import { assertReadableImage, UnprocessableMedia } from "../media/process";
import { toOrganization } from "../organizations/dto";
import { updateOrganization } from "../organizations/repo";
import { findVisibleFile, visibleFiles } from "./access";
import type { FileRow } from "./repo";
import * as repo from "./repo";

export interface Upload {
  name: string;
  contentType: UploadContentType;
  bytes: Buffer;
  idempotencyKey: string | null;
}

export function toFileMeta(deps: Pick<AppDeps, "config">, file: FileRow): FileMeta {
  return {
    id: file.id,
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    url: `${deps.config.publicUrl.replace(/\/$/, "")}/files/${file.id}`,
    createdAt: file.createdAt,
  };
}

/**
 * Stores an upload; with an Idempotency-Key, once: a retry (the same name, type and bytes) answers
 * with the file the first attempt stored (`created` false), also when the two race; the key with
 * another upload is CONFLICT (lib/idempotency.ts).
 */
export async function uploadFile(
  deps: AppDeps,
  principal: Principal,
  upload: Upload,
): Promise<{ file: FileMeta; created: boolean }> {
  const sha256 = createHash("sha256").update(upload.bytes).digest("hex");
  // A file's row keeps all that makes two uploads one request: name, type and the bytes' hash.
  const fingerprint = (file: Pick<FileRow, "name" | "contentType" | "sha256">) =>
    requestHash({ name: file.name, contentType: file.contentType, sha256: file.sha256 });
  return createOnce({
    key: upload.idempotencyKey ?? undefined,
    hash: fingerprint({ ...upload, sha256 }),
    find: async (key) => {
      const row = await repo.findByIdempotencyKey(deps.db, principal.userId, key);
      return row && { row, requestHash: fingerprint(row) };
    },
    create: () => storeUpload(deps, principal, upload, sha256),
    replay: async ({ row }) => ({ file: toFileMeta(deps, row), created: false }),
  });
}

/** The first attempt of an upload; undefined when a concurrent one with its Idempotency-Key stored first. */
async function storeUpload(deps: AppDeps, principal: Principal, upload: Upload, sha256: string) {
  if (!(await contentMatches(upload.contentType, upload.bytes))) {
    throw appError("UNSUPPORTED_MEDIA_TYPE", `The file's content is not ${upload.contentType}`);
  }
  const id = uuidv7();
  const storageKey = `org/${principal.organizationId}/${id}`;
  // Bytes first, row second: a crash in between leaves an object no row points at (invisible and
  // harmless, a sweep can remove it), never a row whose bytes are missing.
  await deps.storage.put(storageKey, upload.bytes, upload.contentType);
  try {
    const row = await repo.insertFile(deps.db, {
      id,
      organizationId: principal.organizationId,
      ownerId: principal.userId,
      name: upload.name,
      contentType: upload.contentType,
      size: upload.bytes.length,
      sha256,
      storageKey,
      idempotencyKey: upload.idempotencyKey,
    });
    return { file: toFileMeta(deps, row), created: true };
  } catch (err) {
    await deps.storage
      .delete(storageKey)
      .catch((e) => deps.logger.warn({ err: e, storageKey }, "could not remove an unused upload"));
    return refusedBy("files_owner_idempotency")(err);
  }
}

/**
 * Checks the leading bytes (magic numbers) against the declared type, so a browser or viewer is
 * never handed, say, HTML that claims to be a PNG. Text has no signature: it must merely not be a
 * known binary format.
 */
async function contentMatches(declared: UploadContentType, bytes: Buffer): Promise<boolean> {
  const detected = (await fileTypeFromBuffer(bytes))?.mime;
  if (isTextContentType(declared)) return detected === undefined && !bytes.includes(0);
  // Office files are zip archives; file-type names the exact kind only when the archive's
  // [Content_Types].xml says so early on, so a plain zip container is accepted too.
  if (isOfficeContentType(declared)) return detected === declared || detected === "application/zip";
  return detected === declared;
}

/** A file the server makes from an upload (a media variant: a WebP copy, a thumbnail, a poster frame). */
export interface DerivedFile {
  /** Fixed by the maker, so a retried job stores the same file once instead of a second copy. */
  id: string;
  /** Owner and organization come from the upload it was made from. */
  source: Pick<FileRow, "ownerId" | "organizationId">;
  name: string;
  contentType: UploadContentType;
  bytes: Buffer;
}

/**
 * Stores a derived file as an ordinary file of the source's owner, so it downloads through
 * `/files/{id}` under the usual rules (a holder decides who else may see it). Bytes first, row
 * second, as for uploads; storing the same id again keeps the first row.
 */
export async function storeDerivedFile(deps: AppDeps, file: DerivedFile): Promise<FileRow> {
  const storageKey = `org/${file.source.organizationId}/${file.id}`;
  await deps.storage.put(storageKey, file.bytes, file.contentType);
  return repo.insertFileOnce(deps.db, {
    id: file.id,
    organizationId: file.source.organizationId,
    ownerId: file.source.ownerId,
    name: file.name,
    contentType: file.contentType,
    size: file.bytes.length,
    sha256: createHash("sha256").update(file.bytes).digest("hex"),
    storageKey,
    idempotencyKey: null,
  });
}

/**
 * Deletes derived files in `db` (the caller's transaction, when given one); `removeBytes` removes
 * their stored bytes and is called once that committed (row first, bytes second, as in deleteFile).
 */
export async function deleteDerivedFiles(
  deps: AppDeps,
  db: Db,
  ids: readonly string[],
): Promise<{ removeBytes(): Promise<void> }> {
  const keys = await repo.deleteFilesById(db, ids);
  return {
    removeBytes: async () => {
      for (const storageKey of keys) {
        await deps.storage
          .delete(storageKey)
          .catch((err) => deps.logger.warn({ err, storageKey }, "could not remove derived file bytes"));
      }
    },
  };
}

/** The first `maxBytes` of a file's stored bytes (its signature, for content checks); null when the bytes are missing. */
export async function readFileHead(deps: AppDeps, file: FileRow, maxBytes = 64 * 1024): Promise<Buffer | null> {
  const object = await deps.storage.get(file.storageKey);
  if (!object) return null;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of object.body) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= maxBytes) break;
    }
  } finally {
    object.body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

/** A file's whole stored bytes (for server-side processing of an upload); null when they are missing. */
export async function readFileBytes(deps: AppDeps, file: FileRow): Promise<Buffer | null> {
  const object = await deps.storage.get(file.storageKey);
  if (!object) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A file's metadata, when the caller may download it (access.ts); NOT_FOUND otherwise. */
export async function getFile(deps: AppDeps, caller: Principal, id: string): Promise<FileMeta> {
  return toFileMeta(deps, await findVisibleFile(deps, caller, id));
}

/** The row of a file the caller may download, or null (missing, or not theirs to see). */
export async function readableFile(deps: AppDeps, caller: Principal, id: string): Promise<FileRow | null> {
  const file = await repo.findFile(deps.db, id);
  return file && (await visibleFiles(deps, caller, [file])).has(file.id) ? file : null;
}

/** A stream of a file's bytes (all, or `range`), or null when the row has no stored bytes. */
export async function fileBytes(deps: AppDeps, file: FileRow, range?: ByteRange): Promise<Readable | null> {
  const object = await deps.storage.get(file.storageKey, range);
  if (!object) deps.logger.error({ fileId: file.id, storageKey: file.storageKey }, "file row without stored bytes");
  return object?.body ?? null;
}

/** The row and a stream of the bytes, or null when either is missing or the caller may not see the file. */
export async function openFile(deps: AppDeps, caller: Principal, id: string) {
  const file = await readableFile(deps, caller, id);
  const body = file && (await fileBytes(deps, file));
  return file && body ? { file, body } : null;
}

/** Only the owner may delete; anyone else gets NOT_FOUND, so ids cannot be probed. */
export async function deleteFile(deps: AppDeps, principal: Principal, id: string): Promise<{ ok: true }> {
  let removed: { storageKey: string } | undefined;
  try {
    // Under the file's lock: a post or message attaching it at the same moment (holdOwnFiles)
    // either committed first, and holds it here, or waits and then finds it gone.
    removed = await deps.db.transaction().execute(async (trx) => {
      const file = await repo.lockOwnFile(trx, id, principal.userId);
      if (!file) throw notFound("File");
      for (const holder of deps.fileHolders) {
        if ((await holder.holds?.(trx, [file]))?.size)
          throw appError("CONFLICT", "The file is attached to a post or a message; delete that first");
      }
      return repo.deleteOwnFile(trx, id, principal.userId);
    });
  } catch (err) {
    // The foreign keys (organization logo, avatar, later attachments) are the race-free "in use" check.
    if (repo.isForeignKeyViolation(err))
      throw appError("CONFLICT", "The file is in use (a logo, an avatar, or media in use elsewhere)");
    throw err;
  }
  if (!removed) throw notFound("File");
  // Row first, bytes second: a crash in between leaves an unreachable object, never a dangling row.
  await deps.storage
    .delete(removed.storageKey)
    .catch((err) => deps.logger.warn({ err, storageKey: removed.storageKey }, "could not remove deleted file bytes"));
  return { ok: true };
}

/**
 * An image shown as it was uploaded (an avatar, a logo): of an image type, small enough, and
 * readable whole (not corrupt, not a decompression bomb), since every viewer's browser decodes it.
 */
async function assertImage(deps: AppDeps, file: FileRow, field: string): Promise<void> {
  if (!isImageContentType(file.contentType)) throw fieldError(field, "Must be a PNG, JPEG, WebP or GIF image");
  if (file.size > fileLimits.imageBytes) {
    throw fieldError(field, `Must be at most ${fileLimits.imageBytes / 1024 / 1024} MiB`);
  }
  const bytes = await readFileBytes(deps, file);
  if (!bytes) throw fieldError(field, "The picture's upload is incomplete; upload it again");
  try {
    await assertReadableImage(bytes);
  } catch (err) {
    if (err instanceof UnprocessableMedia) throw fieldError(field, err.message);
    throw err;
  }
}

/** For users.updateMe: an avatar must be an image the user uploaded. */
export async function assertOwnImage(
  deps: AppDeps,
  userId: string,
  fileId: string,
  field = "avatarFileId",
): Promise<void> {
  const file = await repo.findFile(deps.db, fileId);
  if (!file || file.ownerId !== userId) throw fieldError(field, "Upload the picture first; no such file of yours");
  await assertImage(deps, file, field);
}

/**
 * organizations.setLogo: an image of the admin's organization that the admin may see (their own
 * upload, or one shown to them, such as a published use case's photo), or null to clear. A member's
 * unattached upload is theirs alone: the logo would show it to everyone.
 */
export async function setOrganizationLogo(
  deps: AppDeps,
  principal: Principal,
  fileId: string | null,
  ip: string | null,
): Promise<Organization> {
  const organizationId = principal.organizationId;
  if (fileId) {
    const file = await repo.findFile(deps.db, fileId);
    // A file the caller may not see answers like a missing one, so ids cannot be probed.
    if (!file || !(await visibleFiles(deps, principal, [file])).has(file.id)) throw notFound("File");
    if (file.organizationId !== organizationId)
      throw fieldError("fileId", "Use an image uploaded in your organization");
    await assertImage(deps, file, "fileId");
  }
  const updated = await deps.db.transaction().execute(async (trx) => {
    const org = await updateOrganization(trx, organizationId, { logoFileId: fileId });
    await recordAudit(trx, {
      organizationId,
      actorId: principal.userId,
      action: "organizations.setLogo",
      targetType: "organization",
      targetId: organizationId,
      ip,
      metadata: { fileId },
    });
    return toOrganization(org);
  });
  await invalidateOrganizations(deps.events, [organizationId]);
  return updated;
}

/** Attachments must be files the caller uploaded; the error names the field. */
/**
 * `assertOwnFiles` inside the transaction that attaches the files: they stay undeletable until it
 * commits, and one deleted meanwhile is refused here (deleteFile takes the same rows' lock).
 */
export async function holdOwnFiles(trx: Db, userId: string, fileIds: string[], field = "attachmentIds") {
  if (fileIds.length && (await repo.lockOwned(trx, userId, fileIds)) !== new Set(fileIds).size)
    throw fieldError(field, "You can only attach files you uploaded");
}

export async function assertOwnFiles(
  db: Db,
  userId: string,
  fileIds: string[],
  field = "attachmentIds",
): Promise<void> {
  if (!fileIds.length) return;
  const owned = await repo.countOwned(db, userId, fileIds);
  if (owned !== new Set(fileIds).size) throw fieldError(field, "You can only attach files you uploaded");
}
