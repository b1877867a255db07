import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { settleWithin } from "../../lib/timeout";
import type { Logger } from "../logger";
import type { Metrics, QueueCounts } from "../metrics";
import { failFastRedis, redisRetryStrategy, watchRedisConnection } from "../redis/redis";
import { unavailableStore, warnStoreUnavailable } from "../store-errors";

/** A background job handler; throwing makes BullMQ retry with backoff until attempts run out. */
export type JobHandler = (data: unknown, job: Job) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

export interface JobOptions {
  /** Same id = same job: enqueueing twice does nothing, which makes retried writes idempotent. */
  jobId?: string;
  attempts?: number;
  delayMs?: number;
}

/** The states a job can be listed and counted in (BullMQ's names). */
export const jobStates = ["waiting", "active", "delayed", "prioritized", "completed", "failed"] as const;
export type JobStateName = (typeof jobStates)[number];

/** What monitoring may know of a job: never its data, which can hold anything the enqueuer put there. */
export interface JobInfo {
  id: string;
  queue: string;
  name: string;
  attemptsMade: number;
  maxAttempts: number;
  failedReason: string | null;
  createdAt: Date;
  processedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobsOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** First retry delay; later retries back off exponentially. */
  backoffMs?: number;
  /** Counts failed attempts of this process's worker. */
  metrics?: Metrics;
}

/**
 * BullMQ queue (always) and worker (when started) for one process.
 *
 * While Redis is down or hung: enqueueing fails fast (the queue's connection is `failFastRedis`, so
 * a request answers 503 instead of hanging); the worker waits and resumes by
 * itself (BullMQ needs maxRetriesPerRequest: null on its own connection for blocking commands);
 * neither emits an unhandled 'error'. Recurring schedules are declared again when Redis comes
 * back, in case it lost them.
 */
export class Jobs implements QueueCounts {
  private readonly connection: Redis;
  private workerConnection: Redis | null = null;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly backoffMs: number;
  private readonly schedules = new Map<string, number>();

  constructor(private readonly opts: JobsOptions) {
    this.connection = failFastRedis(opts.redisUrl, "jobs queue", opts.logger);
    this.connection.once("ready", () => {
      // Every later 'ready' is a reconnect: Redis may have restarted without the schedules.
      this.connection.on("ready", () => void this.redeclareSchedules());
    });
    this.queue = new Queue("jobs", { connection: this.connection, prefix: `${opts.prefix}bull` });
    this.queue.on("error", (err) => this.reportError(err, "jobs queue"));
    this.backoffMs = opts.backoffMs ?? 1_000;
  }

  private reportError(err: Error, role: string) {
    // Connection errors of BullMQ's clients are bare socket errors: they are Redis's.
    if (unavailableStore(err)) warnStoreUnavailable(this.opts.logger, "redis", err, { role });
    else this.opts.logger.error({ err, role }, "jobs error");
  }

  private async redeclareSchedules() {
    for (const [name, everyMs] of this.schedules) {
      await this.schedule(name, everyMs).catch((err) => this.reportError(err, "jobs scheduler"));
    }
  }

  /** Fails fast (a store-unavailable error, logged here) while Redis is down. */
  async enqueue(name: string, data: unknown, options: JobOptions = {}): Promise<void> {
    try {
      await this.queue.add(name, data, {
        jobId: options.jobId,
        attempts: options.attempts ?? 5,
        delay: options.delayMs,
        backoff: { type: "exponential", delay: this.backoffMs },
        removeOnComplete: { age: 24 * 3600, count: 1_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    } catch (err) {
      if (unavailableStore(err)) warnStoreUnavailable(this.opts.logger, "redis", err, { job: name });
      throw err;
    }
  }

  /**
   * Enqueues `name` under `jobId` again. Nothing happens while a job with that id is waiting,
   * delayed or running; a finished one (completed or failed) is replaced, because BullMQ ignores an
   * id it still keeps. Returns whether a job was added.
   */
  async requeue(name: string, data: unknown, jobId: string): Promise<boolean> {
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== "completed" && state !== "failed") return false;
      await existing.remove();
    }
    await this.enqueue(name, data, { jobId });
    return true;
  }

  /** Runs `name` every `everyMs` on whichever worker is free; idempotent across nodes and restarts. */
  async schedule(name: string, everyMs: number): Promise<void> {
    this.schedules.set(name, everyMs);
    await this.queue.upsertJobScheduler(name, { every: everyMs }, { name, data: {}, opts: { attempts: 1 } });
  }

  startWorker(handlers: JobHandlers, concurrency = 4): void {
    if (this.worker) return;
    this.worker = new Worker(
      "jobs",
      async (job) => {
        const handler = handlers[job.name];
        if (!handler) throw new Error(`no handler for job "${job.name}"`);
        await handler(job.data, job);
      },
      { connection: this.workerConnectionOf(), prefix: `${this.opts.prefix}bull`, concurrency },
    );
    this.worker.on("error", (err) => this.reportError(err, "jobs worker"));
    this.worker.on("failed", (job, err) => {
      this.opts.logger.warn({ err, job: job?.name, attempt: job?.attemptsMade }, "job failed");
      this.opts.metrics?.jobFailed(job?.name ?? "unknown", !job || job.attemptsMade >= (job.opts.attempts ?? 1));
    });
  }

  private workerConnectionOf(): Redis {
    // BullMQ needs maxRetriesPerRequest: null here so blocking commands wait for reconnects.
    this.workerConnection = watchRedisConnection(
      new Redis(this.opts.redisUrl, {
        retryStrategy: redisRetryStrategy,
        connectTimeout: 3_000,
        maxRetriesPerRequest: null,
      }),
      "jobs worker",
      this.opts.logger,
    );
    return this.workerConnection;
  }

  /** Jobs waiting, running, delayed and failed in the queue (every node's), for the metrics. */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts("waiting", "active", "delayed", "failed");
  }

  /** The queues this process knows (one today: every module's jobs share it). */
  queueNames(): string[] {
    return [this.queue.name];
  }

  /** How many jobs of the queue are in each state. */
  async stateCounts(): Promise<Record<JobStateName, number>> {
    const counts = await this.queue.getJobCounts(...jobStates);
    return Object.fromEntries(jobStates.map((s) => [s, counts[s] ?? 0])) as Record<JobStateName, number>;
  }

  /** Jobs in `state`, newest first, from position `start` (BullMQ's own order within the state). */
  async listJobs(state: JobStateName, start: number, count: number): Promise<JobInfo[]> {
    const jobs = await this.queue.getJobs([state], start, start + count - 1, false);
    return jobs.filter((job): job is Job => Boolean(job?.id)).map((job) => this.infoOf(job));
  }

  /**
   * Moves a failed job back to waiting with its attempts counted from zero again. "missing": no
   * such job; "notFailed": it is not in the failed state (waiting, running, done).
   */
  async retryFailed(id: string): Promise<"retried" | "missing" | "notFailed"> {
    const job = await this.queue.getJob(id);
    if (!job) return "missing";
    if ((await job.getState()) !== "failed") return "notFailed";
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return "retried";
  }

  private infoOf(job: Job): JobInfo {
    return {
      id: job.id as string,
      queue: this.queue.name,
      name: job.name,
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      failedReason: job.failedReason || null,
      createdAt: new Date(job.timestamp),
      processedAt: job.processedOn ? new Date(job.processedOn) : null,
      finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
    };
  }

  connected(): boolean {
    return this.connection.status === "ready";
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  /**
   * Lets running jobs finish, but never waits longer than `timeoutMs` (BullMQ's close hangs while
   * Redis is down); then cuts the connections.
   */
  async close(timeoutMs = 3_000): Promise<void> {
    const closing = Promise.allSettled([this.worker?.close(), this.queue.close()]);
    if (!(await settleWithin(closing, timeoutMs))) {
      this.opts.logger.warn({ timeoutMs }, "jobs did not close in time; disconnecting");
      void this.worker?.close(true).catch(() => {});
    }
    this.connection.disconnect();
    this.workerConnection?.disconnect();
  }
}
