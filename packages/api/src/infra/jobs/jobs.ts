import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../logger";

/** A background job handler; throwing makes BullMQ retry with backoff until attempts run out. */
export type JobHandler = (data: unknown, job: Job) => Promise<void>;
export type JobHandlers = Record<string, JobHandler>;

export interface JobOptions {
  /** Same id = same job: enqueueing twice does nothing, which makes retried writes idempotent. */
  jobId?: string;
  attempts?: number;
  delayMs?: number;
}

export interface JobsOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** First retry delay; later retries back off exponentially. */
  backoffMs?: number;
}

/** BullMQ queue (always) and worker (when started) for one process. */
export class Jobs {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly backoffMs: number;

  constructor(private readonly opts: JobsOptions) {
    // BullMQ needs maxRetriesPerRequest: null on its connection so blocking commands wait for reconnects.
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null }).on("error", (err) =>
      opts.logger.warn({ err: err.message }, "jobs redis connection error"),
    );
    this.queue = new Queue("jobs", { connection: this.connection, prefix: `${opts.prefix}bull` });
    this.backoffMs = opts.backoffMs ?? 1_000;
  }

  async enqueue(name: string, data: unknown, options: JobOptions = {}): Promise<void> {
    await this.queue.add(name, data, {
      jobId: options.jobId,
      attempts: options.attempts ?? 5,
      delay: options.delayMs,
      backoff: { type: "exponential", delay: this.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 1_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
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
      { connection: this.connection.duplicate(), prefix: `${this.opts.prefix}bull`, concurrency },
    );
    this.worker.on("failed", (job, err) =>
      this.opts.logger.warn({ err, job: job?.name, attempt: job?.attemptsMade }, "job failed"),
    );
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}
