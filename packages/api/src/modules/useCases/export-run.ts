import type { Readable } from "node:stream";
import type { ExportSpreadsheetInput, ListUseCasesInput, UseCaseDetail, UseCaseStatus } from "@p2p/schemas";
import { ZipArchive } from "archiver";
import sharp from "sharp";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
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
/** Use cases in one organization bundle. */
const MAX_BUNDLE = 500;
/** Pictures in one PDF. */
const MAX_IMAGES = 8;
const PDF = "application/pdf";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

type Progress = (percent: number) => Promise<void>;
type ListFilters = Omit<z.output<typeof ListUseCasesInput>, "cursor" | "limit">;

/** Every use case of `filters` the caller may list, in the list's order (ids only). */
async function listAll(deps: AppDeps, caller: Principal, filters: ListFilters, max: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listUseCases(deps, caller, { ...filters, cursor, limit: 100 });
    ids.push(...page.items.map((i) => i.id));
    if (ids.length > max) throw appError("BAD_REQUEST", `More than ${max} use cases match; narrow the filters`);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** Details as the caller sees them, a few at a time; one that went away meanwhile is left out. */
async function detailsOf(deps: AppDeps, caller: Principal, ids: string[], progress: (done: number) => Promise<void>) {
  const out: (UseCaseDetail | null)[] = new Array(ids.length).fill(null);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      out[i] = await getUseCase(deps, caller, ids[i] as string, { countView: false }).catch((err) => {
        if ((err as { code?: string }).code === "NOT_FOUND") return null;
        throw err;
      });
      await progress(++done);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return out.filter((d): d is UseCaseDetail => d !== null);
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The pictures of a use case for pdfkit: each ready image's display copy (WebP, which pdfkit
 * cannot read) or a video's poster, as JPEG, read as the caller (the files' access rules).
 */
async function imagesOf(deps: AppDeps, caller: Principal, detail: UseCaseDetail): Promise<PdfImage[]> {
  const images: PdfImage[] = [];
  for (const m of detail.media) {
    if (images.length >= MAX_IMAGES) break;
    const fileId = m.status === "ready" ? (m.kind === "image" ? m.displayFileId : m.posterFileId) : null;
    const opened = fileId ? await openFile(deps, caller, fileId) : null;
    if (!opened) continue;
    try {
      const { data, info } = await sharp(await readAll(opened.body))
        .resize({ width: 1400, height: 1400, fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .jpeg({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
      images.push({ data, width: info.width, height: info.height, caption: m.caption });
    } catch (err) {
      deps.logger.warn({ err, fileId }, "export: picture left out (unreadable)");
    }
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
    const ids = await listAll(deps, caller, request.filters, MAX_ROWS);
    await progress(10);
    const details = await detailsOf(deps, caller, ids, (done) => progress(10 + (80 * done) / ids.length));
    const bytes = await renderSpreadsheet(details, now);
    return { bytes, name: `use-cases-${stamp}.xlsx`, contentType: XLSX, extension: "xlsx" };
  }

  // The organization's bundle: its admins only, checked again as they are now.
  if (caller.role !== "admin")
    throw appError("FORBIDDEN", "Only an organization admin can export all of its use cases");
  const ids: string[] = [];
  for (const status of ["draft", "published", "archived"] satisfies UseCaseStatus[]) {
    ids.push(
      ...(await listAll(
        deps,
        caller,
        { organizationId: caller.organizationId, status, sort: "newest" },
        MAX_BUNDLE - ids.length,
      )),
    );
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
