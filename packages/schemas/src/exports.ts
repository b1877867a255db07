import { z } from "zod";
import { Id } from "./common.js";
import { ListUseCasesInput } from "./useCases.js";

/**
 * Exports of use cases (a PDF of one, a spreadsheet of a filtered list, an organization's bundle).
 * Each runs as a job: the call answers `{ exportId }` at once, progress arrives on the caller's
 * personal stream as `export.progress`, and a finished export is downloaded through a short-lived
 * signed link (`url`, valid for 15 minutes; `useCases.exportStatus` gives a fresh one).
 */
export const ExportKind = z.enum(["pdf", "spreadsheet", "organization"]);
export type ExportKind = z.infer<typeof ExportKind>;

export const ExportState = z.enum(["running", "ready", "failed"]);
export type ExportState = z.infer<typeof ExportState>;

export const ExportStarted = z.object({ exportId: Id });
export const ExportIdInput = z.object({ exportId: Id });

/**
 * The filters of `useCases.list`, without paging: every matching use case goes into the
 * spreadsheet. The list's own rules across fields apply too (checked by the list's schema).
 */
export const ExportSpreadsheetInput = z
  .object(ListUseCasesInput.shape)
  .omit({ cursor: true, limit: true })
  .superRefine((filters, ctx) => {
    const checked = ListUseCasesInput.safeParse(filters);
    if (checked.success) return;
    for (const issue of checked.error.issues)
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });

/** On the personal stream (`me.onEvents`): an export of yours moved on; `url` once it is ready. */
export const ExportProgressEvent = z.object({
  type: z.literal("export.progress"),
  exportId: Id,
  status: ExportState,
  percent: z.number(),
  url: z.string().nullable(),
  error: z.string().nullable(),
});
export type ExportProgressEvent = z.infer<typeof ExportProgressEvent>;

export const ExportStatus = z.object({
  exportId: Id,
  kind: ExportKind,
  status: ExportState,
  /** 0–100. */
  percent: z.number(),
  /** The file's name, once ready. */
  fileName: z.string().nullable(),
  /** A fresh download link (15 minutes) while the file is kept; null until ready. */
  url: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  /** When the file is deleted. */
  expiresAt: z.date(),
});
export type ExportStatus = z.infer<typeof ExportStatus>;
