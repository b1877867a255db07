import type { StatusHistory } from "@p2p/schemas";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { appError, notFound } from "../../lib/errors";
import { blockedEitherWay } from "../contacts/repo";
import { markRead as markNotificationsRead } from "../notifications/read";
import { publishToUser } from "./channel";
import { findParticipantMessage, markDelivered as markDeliveredRows, markReadUpTo, unreadTotalQuery } from "./repo";

/**
 * Receipts: only the recipient moves a message's status, and only forward (sent → delivered → read).
 * Each change keeps its time (delivered_at, read_at) and is pushed live to the sender, unless one
 * of the two blocked the other.
 */

/** The recipient's client (or their personal stream) confirms it received these messages. */
export async function markDelivered(deps: AppDeps, recipientId: string, messageIds: readonly string[]) {
  const rows = await markDeliveredRows(deps.db, recipientId, [...new Set(messageIds)]);
  const bySender = new Map<string, { ids: string[]; at: Date }>();
  for (const row of rows) {
    const entry = bySender.get(row.senderId) ?? { ids: [], at: row.deliveredAt as Date };
    entry.ids.push(row.id);
    bySender.set(row.senderId, entry);
  }
  // Across a block no receipt goes out live: it would tell when the other is active.
  const blocked = await blockedEitherWay(deps.db, recipientId, [...bySender.keys()]);
  await Promise.all(
    [...bySender].map(([senderId, { ids, at }]) =>
      blocked.has(senderId)
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
      blocked.size
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
  const message = await findParticipantMessage(deps.db, caller.userId, messageId);
  if (!message) throw notFound("Message");
  if (message.senderId !== caller.userId) throw appError("FORBIDDEN", "Only the sender sees a message's receipts");
  return [
    { status: "sent" as const, at: message.createdAt },
    ...(message.deliveredAt ? [{ status: "delivered" as const, at: message.deliveredAt }] : []),
    ...(message.readAt ? [{ status: "read" as const, at: message.readAt }] : []),
  ];
}
