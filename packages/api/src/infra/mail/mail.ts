import nodemailer, { type Transporter } from "nodemailer";
import { v7 as uuidv7 } from "uuid";
import type { Jobs } from "../jobs/jobs";
import type { Db } from "../postgres/db";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface OutboxEntry extends MailMessage {
  id: string;
  createdAt: Date;
  sentAt: Date | null;
}

const DELIVER_JOB = "mail.deliver";

/**
 * Every message is first written to the `mail_outbox` table, then delivered by a job (retried with
 * backoff). With SMTP configured the job sends it; without, the outbox is the development inbox
 * that tests and the dev server read.
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

  /** Pass the caller's transaction so a rolled-back write sends no mail. */
  async send(message: MailMessage, db: Db = this.db): Promise<string> {
    const id = uuidv7();
    await db
      .insertInto("mailOutbox")
      .values({
        id,
        to: message.to.toLowerCase(),
        subject: message.subject,
        text: message.text,
        html: message.html ?? null,
      })
      .execute();
    await this.jobs.enqueue(DELIVER_JOB, { id }, { jobId: `mail-${id}` });
    return id;
  }

  /** Messages to one address, newest first. */
  async outbox(to: string, limit = 20): Promise<OutboxEntry[]> {
    return this.db
      .selectFrom("mailOutbox")
      .select(["id", "to", "subject", "text", "html", "createdAt", "sentAt"])
      .where("to", "=", to.toLowerCase())
      .orderBy("seq", "desc")
      .limit(limit)
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, html: r.html ?? undefined })));
  }

  readonly jobHandlers = {
    [DELIVER_JOB]: async (data: unknown) => {
      const { id } = data as { id: string };
      const row = await this.db.selectFrom("mailOutbox").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row || row.sentAt) return;
      await this.transport?.sendMail({
        from: this.opts.from,
        to: row.to,
        subject: row.subject,
        text: row.text,
        html: row.html ?? undefined,
      });
      await this.db.updateTable("mailOutbox").set({ sentAt: new Date() }).where("id", "=", id).execute();
    },
  };
}
