import { sql } from "kysely";
import nodemailer, { type Transporter } from "nodemailer";
import { v7 as uuidv7 } from "uuid";
import type { Jobs } from "../jobs/jobs";
import { lockUntilCommit, readAfterCommit } from "../postgres/commit-lock";
import type { Db } from "../postgres/db";
import { unavailableStore } from "../store-errors";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>;
}

export interface OutboxEntry extends MailMessage {
  id: string;
  createdAt: Date;
  sentAt: Date | null;
}

const DELIVER_JOB = "mail.deliver";
const SWEEP_JOB = "mail.sweep";
/** One delivery job per outbox row: enqueueing a row twice adds nothing. */
const deliveryJobId = (id: string) => `mail-${id}`;
/** Namespace (int4) of the advisory locks a writing transaction holds on its own outbox rows. */
const LOCK_NAMESPACE = 0x6d61696c;

/**
 * Every message is first written to the `mail_outbox` table, then delivered by a job (retried with
 * backoff). With SMTP configured the job sends it; without, the outbox is the development inbox
 * that tests and the dev server read.
 *
 * A message written inside a transaction is invisible to the worker until the commit, so the writer
 * holds an advisory lock on the row's id until its transaction ends, and the job waits for that lock
 * before reading the row: it then sees the committed row, or nothing after a rollback. A row whose
 * job was lost (a crash between commit and enqueue, retries exhausted) is enqueued again by the
 * sweeper once it is a minute old.
 */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly db: Db,
    private readonly jobs: Jobs,
    private readonly opts: { smtpUrl?: string; from: string },
  ) {
    this.transport = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  }

  /** Pass the caller's transaction so a rolled-back write sends no mail (and a committed one is sent). */
  async send(message: MailMessage, db: Db = this.db): Promise<string> {
    const id = uuidv7();
    await lockUntilCommit(db, LOCK_NAMESPACE, id);
    await db
      .insertInto("mailOutbox")
      .values({
        id,
        to: message.to.toLowerCase(),
        subject: message.subject,
        text: message.text,
        html: message.html ?? null,
        headers: message.headers ? JSON.stringify(message.headers) : null,
      })
      .execute();
    // With Redis down the row stays in the outbox and the sweeper enqueues it once Redis is back:
    // the write that sends the mail need not fail for it.
    await this.jobs.enqueue(DELIVER_JOB, { id }, { jobId: deliveryJobId(id) }).catch((err) => {
      if (!unavailableStore(err)) throw err;
    });
    return id;
  }

  /** The row once its writing transaction has ended: committed, or undefined after a rollback. */
  private committedRow(id: string) {
    return readAfterCommit(this.db, LOCK_NAMESPACE, id, (trx) =>
      trx.selectFrom("mailOutbox").selectAll().where("id", "=", id).executeTakeFirst(),
    );
  }

  /** Recurring jobs of the mailer, by name: the sweeper, every minute. */
  readonly schedules: Record<string, number> = { [SWEEP_JOB]: 60_000 };

  /** Messages to one address, newest first. */
  async outbox(to: string, limit = 20): Promise<OutboxEntry[]> {
    return this.db
      .selectFrom("mailOutbox")
      .select(["id", "to", "subject", "text", "html", "headers", "createdAt", "sentAt"])
      .where("to", "=", to.toLowerCase())
      .orderBy("seq", "desc")
      .limit(limit)
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, html: r.html ?? undefined, headers: r.headers ?? undefined })));
  }

  readonly jobHandlers = {
    [DELIVER_JOB]: async (data: unknown) => {
      const { id } = data as { id: string };
      const row = await this.committedRow(id);
      if (!row || row.sentAt) return;
      await this.transport?.sendMail({
        from: this.opts.from,
        to: row.to,
        subject: row.subject,
        text: row.text,
        html: row.html ?? undefined,
        headers: row.headers ?? undefined,
      });
      await this.db.updateTable("mailOutbox").set({ sentAt: new Date() }).where("id", "=", id).execute();
    },
    /**
     * Enqueues again every unsent row older than a minute (younger than a day), under its own job
     * id: a row whose job is still waiting, delayed or running is left alone.
     */
    [SWEEP_JOB]: async () => {
      const stale = await this.db
        .selectFrom("mailOutbox")
        .select("id")
        .where("sentAt", "is", null)
        .where("createdAt", "<", sql<Date>`now() - interval '1 minute'`)
        .where("createdAt", ">", sql<Date>`now() - interval '1 day'`)
        .orderBy("createdAt")
        .limit(500)
        .execute();
      for (const { id } of stale) await this.jobs.requeue(DELIVER_JOB, { id }, deliveryJobId(id));
    },
  };
}
