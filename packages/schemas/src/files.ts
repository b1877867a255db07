import { z } from "zod";
import { ClientMessageId, Id } from "./common.js";

/** Upload limits. The server's MAX_UPLOAD_BYTES may lower `uploadBytes`; the others are fixed rules. */
export const fileLimits = {
  /** Largest upload (the default of MAX_UPLOAD_BYTES). */
  uploadBytes: 10 * 1024 * 1024,
  /** Largest organization logo or avatar. */
  imageBytes: 2 * 1024 * 1024,
  /** Largest video upload (the default of MAX_VIDEO_BYTES). */
  videoBytes: 100 * 1024 * 1024,
  name: 200,
} as const;

/** Content types the server accepts for upload, grouped by what they may be used for. */
export const imageContentTypes = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
/** Videos for use-case media (checked by content, given a poster frame by the media pipeline). */
export const videoContentTypes = ["video/mp4", "video/webm"] as const;
export const officeContentTypes = [
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
] as const;
export const textContentTypes = ["text/plain", "text/csv"] as const;
export const documentContentTypes = ["application/pdf", ...textContentTypes, ...officeContentTypes] as const;
export const uploadContentTypes = [...imageContentTypes, ...videoContentTypes, ...documentContentTypes] as const;
export const UploadContentType = z.enum(uploadContentTypes);
export type UploadContentType = z.infer<typeof UploadContentType>;

const isOneOf =
  <T extends string>(list: readonly T[]) =>
  (contentType: string): contentType is T =>
    (list as readonly string[]).includes(contentType);
export const isImageContentType = isOneOf(imageContentTypes);
export const isVideoContentType = isOneOf(videoContentTypes);
export const isOfficeContentType = isOneOf(officeContentTypes);
export const isTextContentType = isOneOf(textContentTypes);

/**
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): they
 * reorder how a name is shown, so "invoice\u202Efdp.exe" reads as "invoiceexe.pdf".
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** Bidi controls are stripped first (the name stays usable; a name of nothing else is empty and refused). */
export const FileName = z
  .string()
  .overwrite((name) => name.replace(BIDI_CONTROLS, ""))
  .trim()
  .min(1)
  .max(fileLimits.name)
  // Control characters would break the Content-Disposition header the name is served with.
  .regex(/^[^/\\\p{Cc}]+$/u, "File name must not contain slashes or control characters");

/**
 * The `Idempotency-Key` header of an upload: a retry with the same key returns the first file. The
 * same rules as every other retriable create's key (`ClientMessageId`).
 */
export const IdempotencyKey = ClientMessageId;

/** `createdAt` is a Date through tRPC and an ISO string in the JSON of `POST /files`. */
export const FileMeta = z.object({
  id: Id,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  url: z.string(),
  createdAt: z.date(),
});
export type FileMeta = z.infer<typeof FileMeta>;

export const FileIdInput = z.object({ id: Id });
