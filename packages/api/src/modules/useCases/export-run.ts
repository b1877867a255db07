import type { Readable } from "node:stream";
import type { ExportSpreadsheetInput, ListUseCasesInput, UseCaseDetail, UseCaseStatus } from "@p2p/schemas";
import { ZipArchive } from "archiver";
import sharp from "sharp";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { mapConcurrently } from "../../lib/concurrency";
import { appError } from "../../lib/errors";
import { openFile } from "../files/service";
import { type PdfImage, renderUseCasePdf } from "./export-pdf";
import { renderSpreadsheet } from "./export-xlsx";
import { getUseCase, listUseCases } from "./read";

/**
 * The work of an export job. Everything is read through `listUseCases` and `getUseCase` as the
 * caller, so an export never holds more than the caller could read through `useCases.list` and
 * `useCases.get` (drafts of other organizations, vendor contacts for unverified callers).
 */

export type ExportRequest =
  | { kind: "pdf"; id: string }
  | { kind: "spreadsheet"; filters: z.output<typeof ExportSpreadsheetInput> }
  | { kind: "organization" };

export interface ExportFile {
  bytes: Buffer;
  name: string;
  contentType: string;
  extension: string;
}

/** Use cases in one spreadsheet (an export past this asks for narrower filters). */
const MAX_ROWS = 2_000;
/** Pictures in one PDF. */
const MAX_IMAGES = 8;
/** Use cases read, and pictures converted, at once for one export. */
const PARALLEL = 4;
const PDF = "application/pdf";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** What an organization's bundle holds, in this order. */
const BUNDLED: UseCaseStatus[] = ["draft", "published", "archived"];

type Progress = (percent: number) => Promise<void>;
type ListFilters = Omit<z.output<typeof ListUseCasesInput>, "cursor" | "limit">;

/**
 * The use cases of `filters` the caller may list, in the list's order (ids only): all of them when
 * they are at most `max`, else `max + 1` (the caller says what to do instead).
 */
async function listUpTo(deps: AppDeps, caller: Principal, filters: ListFilters, max: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const limit = Math.min(100, max + 1 - ids.length);
    const page = await listUseCases(deps, caller, { ...filters, cursor, limit });
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && ids.length <= max);
  return ids;
}

/** Details as the caller sees them, a few at a time; one that went away meanwhile is left out. */
async function detailsOf(deps: AppDeps, caller: Principal, ids: string[], progress: (done: number) => Promise<void>) {
  let done = 0;
  const out = await mapConcurrently(ids, PARALLEL, async (id) => {
    const detail = await getUseCase(deps, caller, id, { countView: false }).catch((err) => {
      if ((err as { code?: string }).code === "NOT_FOUND") return null;
      throw err;
    });
    await progress(++done);
    return detail;
  });
  return out.filter((d): d is UseCaseDetail => d !== null);
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One picture as JPEG for pdfkit, read as the caller (the files' access rules); null when unreadable. */
async function pictureOf(deps: AppDeps, caller: Principal, fileId: string, caption: string): Promise<PdfImage | null> {
  const opened = await openFile(deps, caller, fileId);
  if (!opened) return null;
  try {
    const { data, info } = await sharp(await readAll(opened.body))
      .resize({ width: 1400, height: 1400, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, caption };
  } catch (err) {
    deps.logger.warn({ err, fileId }, "export: picture left out (unreadable)");
    return null;
  }
}

/**
 * The first MAX_IMAGES readable pictures of a use case, in its order: each ready image's display
 * copy (WebP, which pdfkit cannot read) or a video's poster. Converted PARALLEL at a time, as many
 * as are still missing each round (one more round only when some were unreadable).
 */
async function imagesOf(deps: AppDeps, caller: Principal, detail: UseCaseDetail): Promise<PdfImage[]> {
  const pictures = detail.media.flatMap((m) => {
    const fileId = m.status === "ready" ? (m.kind === "image" ? m.displayFileId : m.posterFileId) : null;
    return fileId ? [{ fileId, caption: m.caption }] : [];
  });
  const images: PdfImage[] = [];
  let next = 0;
  while (images.length < MAX_IMAGES && next < pictures.length) {
    const round = pictures.slice(next, next + MAX_IMAGES - images.length);
    next += round.length;
    const read = await mapConcurrently(round, PARALLEL, (p) => pictureOf(deps, caller, p.fileId, p.caption));
    images.push(...read.filter((i): i is PdfImage => i !== null));
  }
  return images;
}

const pdfOf = async (deps: AppDeps, caller: Principal, detail: UseCaseDetail, now: Date) =>
  renderUseCasePdf(detail, await imagesOf(deps, caller, detail), now);

/** A file name from a title: letters (any script, with their vowel signs and accents), digits and dashes. */
function slug(title: string, id: string): string {
  const base = title
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${base || "use-case"}-${id.slice(-8)}`;
}

async function zip(entries: { name: string; bytes: Buffer }[]): Promise<Buffer> {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const chunks: Buffer[] = [];
  archive.on("data", (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  for (const e of entries) archive.append(e.bytes, { name: e.name });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export async function renderExport(
  deps: AppDeps,
  caller: Principal,
  request: ExportRequest,
  progress: Progress,
): Promise<ExportFile> {
  const now = new Date();
  const stamp = now.toISOString().slice(0, 10);
  if (request.kind === "pdf") {
    const detail = await getUseCase(deps, caller, request.id, { countView: false });
    await progress(20);
    const bytes = await pdfOf(deps, caller, detail, now);
    return { bytes, name: `${slug(detail.title, detail.id)}.pdf`, contentType: PDF, extension: "pdf" };
  }

  if (request.kind === "spreadsheet") {
    const ids = await listUpTo(deps, caller, request.filters, MAX_ROWS);
    if (ids.length > MAX_ROWS)
      throw appError("BAD_REQUEST", `More than ${MAX_ROWS} use cases match; narrow the filters`);
    await progress(10);
    const details = await detailsOf(deps, caller, ids, (done) => progress(10 + (80 * done) / ids.length));
    const bytes = await renderSpreadsheet(details, now);
    return { bytes, name: `use-cases-${stamp}.xlsx`, contentType: XLSX, extension: "xlsx" };
  }

  // The organization's bundle: its admins only, checked again as they are now.
  if (caller.role !== "admin")
    throw appError("FORBIDDEN", "Only an organization admin can export all of its use cases");
  const max = deps.config.limits.exportBundleUseCases;
  const ids: string[] = [];
  for (const status of BUNDLED) {
    const filters = { organizationId: caller.organizationId, status, sort: "newest" } as const;
    ids.push(...(await listUpTo(deps, caller, filters, max - ids.length)));
    if (ids.length > max) {
      throw appError(
        "BAD_REQUEST",
        `An organization export holds at most ${max} use cases, and yours has more. Export them as spreadsheets instead, one per status (${BUNDLED.join(", ")}: useCases.exportSpreadsheet with your organizationId and the status), and single use cases as PDFs`,
      );
    }
  }
  await progress(5);
  const details = await detailsOf(deps, caller, ids, (done) => progress(5 + (15 * done) / Math.max(1, ids.length)));
  const entries: { name: string; bytes: Buffer }[] = [];
  for (const [i, detail] of details.entries()) {
    entries.push({
      name: `use-cases/${slug(detail.title, detail.id)}.pdf`,
      bytes: await pdfOf(deps, caller, detail, now),
    });
    await progress(20 + (70 * (i + 1)) / details.length);
  }
  entries.push({ name: "use-cases.xlsx", bytes: await renderSpreadsheet(details, now) });
  const org = details[0]?.organization.name ?? "organization";
  return {
    bytes: await zip(entries),
    name: `${slug(org, caller.organizationId)}-use-cases-${stamp}.zip`,
    contentType: "application/zip",
    extension: "zip",
  };
}
