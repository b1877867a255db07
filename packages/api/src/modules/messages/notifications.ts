import type { NotificationTarget } from "@p2p/schemas";
import type { AppDeps, NotificationKind } from "../../deps";
import { lockUntilCommit } from "../../infra/postgres/commit-lock";
import { unavailableStore } from "../../infra/store-errors";
import type { ModuleJob } from "../jobs";
import { notify } from "../notifications/create";
import { hasUnreadFrom } from "../notifications/repo";
import { anyoneConnected } from "../presence/service";
import { loadAuthors } from "../users/authors";
import { findMessages, hiddenFor, type MessageRow } from "./repo";

/**
 * A direct message becomes a notification (and so possibly an email) only when its recipient has
 * not read it a while after it was sent (5 minutes by default) and has no live connection then.
 */
const REMINDER_JOB = "messages.unreadReminder";

export async function remindLater(deps: AppDeps, message: Pick<MessageRow, "id">): Promise<void> {
  await deps.jobs
    .enqueue(
      REMINDER_JOB,
      { messageId: message.id },
      {
        jobId: `dm-remind-${message.id}`,
        delayMs: deps.config.messages.notifyAfterMs,
      },
    )
    .catch((err) => {
      // Redis is down: the message is sent all the same; only this reminder is lost.
      if (!unavailableStore(err)) throw err;
    });
}

/** Namespace (int4) of the advisory lock on one conversation's reminders. */
const REMINDER_LOCK = 0x646d7277;

/**
 * One reminder per conversation while it is unread: a burst of messages is one notification (and
 * one email), and reading the conversation reads it (receipts.ts), so the next message reminds again.
 */
async function remind(deps: AppDeps, data: unknown): Promise<void> {
  const [message] = await findMessages(deps.db, [(data as { messageId: string }).messageId]);
  if (!message || message.readAt || message.deletedAt) return;
  const { recipientId, senderId } = message;
  if ((await hiddenFor(deps.db, message.id, [recipientId])).size) return;
  if (await anyoneConnected(deps, recipientId)) return;
  await deps.db.transaction().execute(async (trx) => {
    // The reminders of a burst run at once: one of them writes.
    await lockUntilCommit(trx, REMINDER_LOCK, `${recipientId}|${senderId}`);
    if (await hasUnreadFrom(trx, recipientId, "message.direct", senderId)) return;
    await notify(deps, trx, [
      { userId: recipientId, type: "message.direct", actorId: senderId, subjectId: message.id, data: { senderId } },
    ]);
  });
}

export const messageJobs: ModuleJob[] = [{ name: REMINDER_JOB, run: remind }];

/**
 * Leads to the conversation with the sender (a reminder is about the conversation: still there when
 * its first message was deleted for everyone); gone once the sender is.
 */
export const directMessageKind: NotificationKind = {
  type: "message.direct",
  label: "Direct messages you have not read",
  defaults: { inApp: true, email: "immediately" },
  text: (actor) => `${actor} sent you a message`,
  targets: async (deps, _reader, items) => {
    const messages = await findMessages(
      deps.db,
      items.flatMap((n) => n.subjectId ?? []),
    );
    const senders = await loadAuthors(
      deps,
      messages.map((m) => m.senderId),
    );
    const byId = new Map(messages.map((m) => [m.id, m]));
    const targets = new Map<string, NotificationTarget | "gone">();
    for (const n of items) {
      const message = n.subjectId ? byId.get(n.subjectId) : undefined;
      const sender = message && senders.get(message.senderId);
      if (!message || !sender) targets.set(n.id, "gone");
      else {
        targets.set(n.id, {
          kind: "conversation",
          id: sender.id,
          topicId: null,
          title: `${sender.firstName} ${sender.lastName}`,
        });
      }
    }
    return targets;
  },
};
