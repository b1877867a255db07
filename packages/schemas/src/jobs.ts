import { z } from "zod";
import { limits, text } from "./common.js";

// ---------------------------------------------------------------- background job monitoring

export const jobStates = ["waiting", "active", "delayed", "prioritized", "completed", "failed"] as const;
export const JobState = z.enum(jobStates);
export type JobState = z.infer<typeof JobState>;

/** A BullMQ job id: ours are numbers or `name:key` strings. */
export const JobId = z
  .string()
  .min(1, "Required")
  .max(200)
  .regex(/^[\w.:@-]+$/, "Not a job id");

export const ListJobsInput = z.object({
  /** One queue (all of them when absent). */
  queue: text(100).min(1).optional(),
  /** Jobs in this state; failed ones when absent. */
  state: JobState.default("failed"),
  cursor: z.string().max(limits.cursor).nullish(),
  limit: z.number().int().min(1).max(limits.pageSize).default(limits.defaultPageSize),
});
export type ListJobsInput = z.infer<typeof ListJobsInput>;

/** A queue and how many of its jobs are in each state. */
export const QueueStatus = z.object({
  name: z.string(),
  counts: z.object({
    waiting: z.number().int(),
    active: z.number().int(),
    delayed: z.number().int(),
    prioritized: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
  }),
});
export type QueueStatus = z.infer<typeof QueueStatus>;

/** What a moderator sees of a job: never its data (it may hold ids of private content, addresses, tokens). */
export const JobSummary = z.object({
  id: z.string(),
  queue: z.string(),
  name: z.string(),
  state: JobState,
  attemptsMade: z.number().int(),
  maxAttempts: z.number().int(),
  /** The last error's message (failed jobs), shortened, with URLs and e-mail addresses masked. */
  error: z.string().nullable(),
  createdAt: z.date(),
  processedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const JobList = z.object({
  queues: z.array(QueueStatus),
  items: z.array(JobSummary),
  nextCursor: z.string().nullable(),
});
export type JobList = z.infer<typeof JobList>;

export const RetryJobInput = z.object({ id: JobId });
export type RetryJobInput = z.infer<typeof RetryJobInput>;
