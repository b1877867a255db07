import type { JobList, ListJobsInput } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { JobInfo } from "../../infra/jobs/jobs";
import { appError, notFound } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";

/**
 * Job monitoring for platform moderators: each queue's counts by state, the jobs of one state with
 * their last error, and retrying a failed job. Nothing of a job's data is shown: it can hold ids of
 * private content, addresses or tokens. The builder (`moderatorProcedure`) has checked the caller.
 */

/** Offsets into BullMQ's per-state list: a list that moves between pages may repeat or skip a job. */
const OffsetCursor = z.tuple([z.literal("o"), z.number().int().min(0).max(1_000_000)]);

const MAX_ERROR = 300;

/**
 * An error message as a moderator may read it: its first line, shortened, with URLs (which may
 * carry credentials) and e-mail addresses masked.
 */
export function safeError(message: string | null): string | null {
  if (!message) return null;
  const line = (message.split("\n")[0] ?? "")
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "[url]")
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "[email]");
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR - 1)}…` : line;
}

const toSummary = (job: JobInfo, state: ListJobsInput["state"]) => ({
  id: job.id,
  queue: job.queue,
  name: job.name,
  state,
  attemptsMade: job.attemptsMade,
  maxAttempts: job.maxAttempts,
  error: state === "failed" ? safeError(job.failedReason) : null,
  createdAt: job.createdAt,
  processedAt: job.processedAt,
  finishedAt: job.finishedAt,
});

function assertQueue(deps: AppDeps, queue: string | undefined) {
  if (queue !== undefined && !deps.jobs.queueNames().includes(queue)) throw notFound("Queue");
}

export async function listJobs(deps: AppDeps, input: ListJobsInput): Promise<JobList> {
  assertQueue(deps, input.queue);
  const offset = decodeCursor(input.cursor, OffsetCursor)?.[1] ?? 0;
  const [counts, jobs] = await Promise.all([
    deps.jobs.stateCounts(),
    deps.jobs.listJobs(input.state, offset, input.limit + 1),
  ]);
  const page = jobs.slice(0, input.limit);
  return {
    queues: deps.jobs.queueNames().map((name) => ({ name, counts })),
    items: page.map((job) => toSummary(job, input.state)),
    nextCursor: jobs.length > input.limit ? encodeCursor(["o", offset + input.limit]) : null,
  };
}

/** Back to waiting, attempts from zero; only a failed job (NOT_FOUND for none, CONFLICT otherwise). */
export async function retryJob(deps: AppDeps, id: string) {
  const outcome = await deps.jobs.retryFailed(id);
  if (outcome === "missing") throw notFound("Job");
  if (outcome === "notFailed") throw appError("CONFLICT", "Only a failed job can be retried");
  return { ok: true as const };
}
