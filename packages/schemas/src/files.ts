import { z } from "zod";
import { Id } from "./common";

/** Content types the server accepts for upload, grouped by what they may be used for. */
export const imageContentTypes = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export const documentContentTypes = [
  "application/pdf",
  "text/plain",
  "text/csv",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
] as const;
export const uploadContentTypes = [...imageContentTypes, ...documentContentTypes] as const;
export const UploadContentType = z.enum(uploadContentTypes);
export type UploadContentType = z.infer<typeof UploadContentType>;

export const FileName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^/\\\0]+$/, "File name must not contain slashes");

export const FileMeta = z.object({
  id: Id,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  url: z.string(),
  createdAt: z.date(),
});
export type FileMeta = z.infer<typeof FileMeta>;

export const GetFileInput = z.object({ id: Id });
