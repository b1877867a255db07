import type { StatusHistory } from "@p2p/schemas";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import type { Db } from "../../infra/postgres/db";
import { appError, notFound } from "../../lib/errors";
import { blockedEitherWay } from "../contacts/repo";
import { markRead as markNotificationsRead } from "../notifications/read";
import { settingsOf } from "../presence/repo";
import { publishToUser } from "./channel";
import {
  findParticipantMessage,
  type MessageRow,
  markAllDelivered,
  markDelivered as markDeliveredRows,
  markReadUpTo,
  unreadTotalQuery,
} from "./repo";

/**
 * Receipts: only the recipient moves a message's status, and only forward (sent → delivered → read).
 * Each change keeps its time (delivered_at, read_at) and is pushed live to the sender, unless one
 * of the two blocked the other. While the recipient hides their presence nothing is delivered but
 * by reading: "delivered" is stamped as their connection receives a message, so it would show them
 * online.
 */

/**
 * A receipt stamped `at` under a block between sender and recipient (either way, since
 * `blockedSince`) never reaches the sender, live or on any read: it would tell when the other is
 * active. Receipts from before the block stay as the sender saw them.
 */
const crossesBlock = (blockedSince: Date | undefined, at: Date) => blockedSince !== undefined && at >= blockedSince;

/** Messages as `viewerId` may see them: on their own, no receipt that crossed a block (one query, none without receipts). */
export async function receiptsSeenBy(db: Db, viewerId: string, rows: readonly MessageRow[]): Promise<MessageRow[]> {
  const peers = rows.filter((r) => r.senderId === viewerId && r.deliveredAt).map((r) => r.recipientId);
  const blocked = await blockedEitherWay(db, viewerId, [...new Set(peers)]);
  if (!blocked.size) return [...rows];
  const shown = (since: Date | undefined, at: Date | null) => (at && !crossesBlock(since, at) ? at : null);
  return rows.map((row) => {
    const since = row.senderId === viewerId ? blocked.get(row.recipientId) : undefined;
    return since ? { ...row, deliveredAt: shown(since, row.deliveredAt), readAt: shown(since, row.readAt) } : row;
  });
}

/** The recipient's client (or their personal stream) confirms it received these messages; not while they hide. */
export async function markDelivered(deps: AppDeps, recipientId: string, messageIds: readonly string[]) {
  if ((await settingsOf(deps.db, [recipientId])).get(recipientId)?.hidden) return { updated: 0 };
  return tellSenders(deps, recipientId, await markDeliveredRows(deps.db, recipientId, [...new Set(messageIds)]));
}

/** Someone connected shows their presence again: what reached them while they hid it is delivered now. */
export async function deliverWhatWaited(deps: AppDeps, recipientId: string) {
  await tellSenders(deps, recipientId, await markAllDelivered(deps.db, recipientId));
}

async function tellSenders(
  deps: AppDeps,
  recipientId: string,
  rows: { id: string; senderId: string; deliveredAt: Date | null }[],
) {
  const bySender = new Map<string, { ids: string[]; at: Date }>();
  for (const row of rows) {
    const entry = bySender.get(row.senderId) ?? { ids: [], at: row.deliveredAt as Date };
    entry.ids.push(row.id);
    bySender.set(row.senderId, entry);
  }
  const blocked = await blockedEitherWay(deps.db, recipientId, [...bySender.keys()]);
  await Promise.all(
    [...bySender].map(([senderId, { ids, at }]) =>
      crossesBlock(blocked.get(senderId), at)
        ? null
        : publishToUser(deps, senderId, {
            type: "message.status",
            peerId: recipientId,
            status: "delivered",
            messageIds: ids,
            upToMessageId: null,
            at,
          }),
    ),
  );
  return { updated: rows.length };
}

/** The personal stream handed a new message to its recipient: delivered (in the background). */
export function confirmDelivery(deps: AppDeps, recipientId: string, messageId: string): void {
  markDelivered(deps, recipientId, [messageId]).catch((err) =>
    deps.logger.warn({ err: String(err), messageId }, "delivery receipt not recorded"),
  );
}

/**
 * Everything from `userId` to the caller up to `upToMessageId` (a message of their conversation,
 * also one the caller deleted for themselves) is read. The sender sees it; the caller's other
 * devices are told, and the conversation's "sent you a message" notifications are read with it.
 */
export async function markRead(deps: AppDeps, caller: Principal, input: { userId: string; upToMessageId: string }) {
  const upTo = await findParticipantMessage(deps.db, caller.userId, input.upToMessageId, true);
  const peer = upTo && (upTo.senderId === caller.userId ? upTo.recipientId : upTo.senderId);
  if (!upTo || peer !== input.userId) throw notFound("Message");
  const rows = await markReadUpTo(deps.db, caller.userId, input.userId, upTo);
  const at = rows[0]?.readAt;
  if (at) {
    const [{ n: unread }, blocked] = await Promise.all([
      unreadTotalQuery(deps.db, caller.userId).executeTakeFirstOrThrow(),
      blockedEitherWay(deps.db, caller.userId, [input.userId]),
    ]);
    await Promise.all([
      crossesBlock(blocked.get(input.userId), at)
        ? null
        : publishToUser(deps, input.userId, {
            type: "message.status",
            peerId: caller.userId,
            status: "read",
            messageIds: [],
            upToMessageId: upTo.id,
            at,
          }),
      publishToUser(deps, caller.userId, {
        type: "conversation.read",
        peerId: input.userId,
        upToMessageId: upTo.id,
        unread,
      }),
    ]);
  }
  await markNotificationsRead(deps, caller.userId, { from: { type: "message.direct", actorId: input.userId } });
  return { updated: rows.length };
}

/** When the sender's message was sent, delivered and read. */
export async function statusHistory(
  deps: AppDeps,
  caller: Principal,
  messageId: string,
): Promise<z.infer<typeof StatusHistory>> {
  const found = await findParticipantMessage(deps.db, caller.userId, messageId);
  if (!found) throw notFound("Message");
  if (found.senderId !== caller.userId) throw appError("FORBIDDEN", "Only the sender sees a message's receipts");
  const [message] = (await receiptsSeenBy(deps.db, caller.userId, [found])) as [MessageRow];
  return [
    { status: "sent" as const, at: message.createdAt },
    ...(message.deliveredAt ? [{ status: "delivered" as const, at: message.deliveredAt }] : []),
    ...(message.readAt ? [{ status: "read" as const, at: message.readAt }] : []),
  ];
}
