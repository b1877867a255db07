import type { DirectMessage } from "@p2p/schemas";
import type { Db } from "../../infra/postgres/db";
import { findMany as findFiles } from "../files/repo";
import { receiptsSeenBy } from "./receipts";
import { type MessageRow, reactionsOf } from "./repo";

const statusOf = (row: MessageRow): DirectMessage["status"] =>
  row.readAt ? "read" : row.deliveredAt ? "delivered" : "sent";

/**
 * Messages as `viewerId` (a participant) sees them, with attachments and reactions loaded in two
 * queries; receipts as the sender may see them (receipts.ts).
 */
export async function toMessages(db: Db, viewerId: string, rows: readonly MessageRow[]): Promise<DirectMessage[]> {
  const [files, reactions, seen] = await Promise.all([
    findFiles(db, [...new Set(rows.flatMap((r) => r.attachmentIds))]),
    reactionsOf(
      db,
      rows.filter((r) => !r.deletedAt).map((r) => r.id),
    ),
    receiptsSeenBy(db, viewerId, rows),
  ]);
  const fileById = new Map(files.map((f) => [f.id, f]));
  return seen.map((row) => ({
    id: row.id,
    senderId: row.senderId,
    recipientId: row.recipientId,
    clientMessageId: row.clientMessageId,
    body: row.body,
    attachments: row.attachmentIds.flatMap((id) => fileById.get(id) ?? []),
    status: statusOf(row),
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
    readAt: row.readAt,
    editedAt: row.editedAt,
    deleted: row.deletedAt !== null,
    reactions: reactions.get(row.id) ?? [],
  }));
}

export async function toMessage(db: Db, viewerId: string, row: MessageRow): Promise<DirectMessage> {
  const [message] = await toMessages(db, viewerId, [row]);
  return message as DirectMessage;
}
