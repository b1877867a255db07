import type { Readable } from "node:stream";
import type { ExportKind, ExportState, ExportStatus } from "@p2p/schemas";
import { v7 as uuidv7 } from "uuid";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { unavailableStore } from "../../infra/store-errors";
import { appError, DomainError, notFound } from "../../lib/errors";
import { signerFor } from "../../lib/signing";
import type { ModuleJob } from "../jobs";
import { publishToUser } from "../messages/channel";
import { type ExportFile, type ExportRequest, renderExport } from "./export-run";
import { getUseCase } from "./read";

/**
 * Exports: a use case as PDF, a filtered list as a spreadsheet, an organization's use cases as a
 * zip (one PDF each plus the spreadsheet). Starting one answers its id at once; a job renders it
 * with exactly what the caller may read (export-run.ts), stores the file and tells the caller on
 * their personal stream (`export.progress`), ending with a download link that is signed and
 * valid for 15 minutes (export-routes.ts serves it). The export's state lives in Redis for a day;
 * the file is deleted after the same day by the `useCases.pruneExports` job.
 */

export const EXPORT_JOB = "useCases.export";
const PRUNE_JOB = "useCases.pruneExports";
/** How long an export (its state and its file) is kept. */
const KEEP_MS = 24 * 3600_000;
/** How long a download link works. */
export const LINK_TTL_MS = 15 * 60_000;
/** Exports of one user running at once. */
const MAX_RUNNING = 5;
/** A running export older than this is taken as lost (its worker died) and no longer counts. */
const RUNNING_FOR_MS = 30 * 60_000;

/** Who asked, as the authenticator can check again when the job runs (`Authenticator.current`). */
type CallerSnapshot = Pick<
  Principal,
  "userId" | "organizationId" | "role" | "isModerator" | "emailVerified" | "via" | "sessionId" | "apiKeyId"
>;

interface ExportRecord {
  id: string;
  kind: ExportKind;
  ownerId: string;
  caller: CallerSnapshot;
  request: ExportRequest;
  status: ExportState;
  percent: number;
  error: string | null;
  file: { key: string; name: string; contentType: string } | null;
  createdAt: string;
  expiresAt: string;
}

const keyOf = (deps: AppDeps, id: string) => `${deps.redis.prefix}export:${id}`;
const runningKey = (deps: AppDeps, userId: string) => `${deps.redis.prefix}exports-running:${userId}`;
const filesKey = (deps: AppDeps) => `${deps.redis.prefix}export-files`;

async function load(deps: AppDeps, id: string): Promise<ExportRecord | null> {
  const raw = await deps.redis.command.get(keyOf(deps, id));
  return raw ? (JSON.parse(raw) as ExportRecord) : null;
}

const save = (deps: AppDeps, record: ExportRecord) =>
  deps.redis.command.set(
    keyOf(deps, record.id),
    JSON.stringify(record),
    "PX",
    Math.max(1, Date.parse(record.expiresAt) - Date.now()),
  );

// ---------------------------------------------------------------- download links

const signer = (deps: AppDeps) => signerFor(deps.config.auth.totpEncryptionKey, "p2p export downloads");

/** `exportId.expiresAtSeconds.signature`. */
export function downloadToken(deps: AppDeps, exportId: string, now = Date.now()): string {
  const payload = `${exportId}.${Math.floor((now + LINK_TTL_MS) / 1000)}`;
  return `${payload}.${signer(deps).sign(payload)}`;
}

const downloadUrl = (deps: AppDeps, exportId: string) =>
  `${deps.config.publicUrl}/exports/${downloadToken(deps, exportId)}`;

/**
 * The file behind a download token. FORBIDDEN for a token that is not ours or has expired,
 * NOT_FOUND when the export is gone.
 */
export async function openDownload(
  deps: AppDeps,
  token: string,
): Promise<{ body: Readable; size: number; contentType: string; name: string }> {
  const [exportId, expires, sig] = token.split(".");
  if (!exportId || !expires || !sig || !signer(deps).verify(`${exportId}.${expires}`, sig)) {
    throw appError("FORBIDDEN", "This download link is not valid");
  }
  if (Number(expires) * 1000 < Date.now()) {
    throw appError("FORBIDDEN", "This download link has expired; ask for a new one (useCases.exportStatus)");
  }
  const record = await load(deps, exportId);
  const object = record?.status === "ready" && record.file ? await deps.storage.get(record.file.key) : null;
  if (!record?.file || !object) throw notFound("Export");
  return { body: object.body, size: object.size, contentType: record.file.contentType, name: record.file.name };
}

// ---------------------------------------------------------------- starting and status

/** Starts an export for the caller; the job does the work. At most MAX_RUNNING of a user's run at once. */
export async function startExport(
  deps: AppDeps,
  caller: Principal,
  request: ExportRequest,
): Promise<{ exportId: string }> {
  // What the caller cannot see answers NOT_FOUND now, not as a failed export later.
  if (request.kind === "pdf") await getUseCase(deps, caller, request.id, { countView: false });
  const running = runningKey(deps, caller.userId);
  const now = Date.now();
  await deps.redis.command.zremrangebyscore(running, "-inf", now - RUNNING_FOR_MS);
  if ((await deps.redis.command.zcard(running)) >= MAX_RUNNING) {
    throw appError("RATE_LIMITED", `At most ${MAX_RUNNING} exports run at once; wait for one to finish`, {
      retryAfter: 10,
    });
  }
  const id = uuidv7();
  const record: ExportRecord = {
    id,
    kind: request.kind,
    ownerId: caller.userId,
    caller: {
      userId: caller.userId,
      organizationId: caller.organizationId,
      role: caller.role,
      isModerator: caller.isModerator,
      emailVerified: caller.emailVerified,
      via: caller.via,
      sessionId: caller.sessionId,
      apiKeyId: caller.apiKeyId,
    },
    request,
    status: "running",
    percent: 0,
    error: null,
    file: null,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + KEEP_MS).toISOString(),
  };
  await save(deps, record);
  await deps.redis.command.multi().zadd(running, now, id).pexpire(running, RUNNING_FOR_MS).exec();
  await deps.jobs.enqueue(EXPORT_JOB, { exportId: id }, { jobId: `export-${id}`, attempts: 1 });
  return { exportId: id };
}

/** One of the caller's exports; anyone else's is NOT_FOUND. A ready one comes with a fresh link. */
export async function exportStatus(deps: AppDeps, caller: Principal, exportId: string): Promise<ExportStatus> {
  const record = await load(deps, exportId);
  if (!record || record.ownerId !== caller.userId) throw notFound("Export");
  return {
    exportId: record.id,
    kind: record.kind,
    status: record.status,
    percent: record.percent,
    fileName: record.file?.name ?? null,
    url: record.status === "ready" ? downloadUrl(deps, record.id) : null,
    error: record.error,
    createdAt: new Date(record.createdAt),
    expiresAt: new Date(record.expiresAt),
  };
}

// ---------------------------------------------------------------- the job

async function publish(deps: AppDeps, record: ExportRecord) {
  await publishToUser(deps, record.ownerId, {
    type: "export.progress",
    exportId: record.id,
    status: record.status,
    percent: record.percent,
    url: record.status === "ready" ? downloadUrl(deps, record.id) : null,
    error: record.error,
  });
}

async function runExport(deps: AppDeps, data: unknown): Promise<void> {
  const { exportId } = data as { exportId: string };
  const record = await load(deps, exportId);
  if (record?.status !== "running") return;
  let told = -1;
  const progress = async (percent: number) => {
    record.percent = Math.min(99, Math.round(percent));
    // Every 5 % at most: a large export does not flood the stream.
    if (record.percent - told < 5) return;
    told = record.percent;
    await save(deps, record);
    await publish(deps, record);
  };
  try {
    await progress(0);
    // The caller as they are now: a session that ended or a role that was taken away counts.
    const caller = await deps.authenticator.current({ ...record.caller, csrfToken: null });
    if (!caller) throw appError("UNAUTHORIZED", "Your session ended before the export was ready");
    const file: ExportFile = await renderExport(deps, caller, record.request, progress);
    const key = `exports/${record.ownerId}/${record.id}.${file.extension}`;
    await deps.storage.put(key, file.bytes, file.contentType);
    await deps.redis.command.zadd(filesKey(deps), Date.parse(record.expiresAt), key);
    record.file = { key, name: file.name, contentType: file.contentType };
    record.status = "ready";
    record.percent = 100;
  } catch (err) {
    record.status = "failed";
    record.error =
      err instanceof DomainError
        ? err.message
        : unavailableStore(err)
          ? "A store was unavailable; try the export again"
          : "The export could not be made; try again";
    if (!(err instanceof DomainError)) deps.logger.error({ err, exportId }, "export failed");
  }
  await save(deps, record);
  await deps.redis.command.zrem(runningKey(deps, record.ownerId), record.id);
  await publish(deps, record);
}

/** Deletes the files of exports past their day. */
async function pruneExports(deps: AppDeps): Promise<void> {
  const due = await deps.redis.command.zrangebyscore(filesKey(deps), "-inf", Date.now(), "LIMIT", 0, 500);
  for (const key of due) {
    await deps.storage.delete(key);
    await deps.redis.command.zrem(filesKey(deps), key);
  }
}

export const exportJobs: ModuleJob[] = [
  { name: EXPORT_JOB, run: runExport },
  { name: PRUNE_JOB, everyMs: 15 * 60_000, run: pruneExports },
];
