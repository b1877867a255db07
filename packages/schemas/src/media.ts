import { z } from "zod";
import { Id } from "./common.js";

/**
 * An uploaded image or video as the media pipeline sees it. Images get a display copy (WebP, at
 * most 2048 px on the long side, EXIF gone) and 320/640 px wide thumbnails; videos a poster frame
 * (WebP), its thumbnails and their duration. The derived files download through `/files/{id}`.
 */
export const MediaKind = z.enum(["image", "video"]);
export type MediaKind = z.infer<typeof MediaKind>;

/** `pending` until the job ran; `failed` carries a short reason (a corrupt image, an unreadable video). */
export const MediaStatus = z.enum(["pending", "ready", "failed"]);
export type MediaStatus = z.infer<typeof MediaStatus>;

export const MediaAsset = z.object({
  /** The uploaded source file. */
  fileId: Id,
  kind: MediaKind,
  status: MediaStatus,
  error: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  displayFileId: Id.nullable(),
  thumb320FileId: Id.nullable(),
  thumb640FileId: Id.nullable(),
  posterFileId: Id.nullable(),
});
export type MediaAsset = z.infer<typeof MediaAsset>;
