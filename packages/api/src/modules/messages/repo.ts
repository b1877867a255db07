import { type ExpressionBuilder, type Insertable, type Selectable, sql } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { Database, MessagesTable } from "../../infra/postgres/schema";
import { authorColumn, personMatches } from "../users/authors";

export type MessageRow = Omit<Selectable<MessagesTable>, "pairLow" | "pairHigh" | "requestHash">;

const columns = [
  "id",
  "senderId",
  "recipientId",
  "clientMessageId",
  "body",
  "attachmentIds",
  "createdAt",
  "deliveredAt",
  "readAt",
  "editedAt",
  "deletedAt",
] as const;

/** The conversation of two users: both directions share the ordered pair (the messages_history index). */
const inPair = (a: string, b: string) => (eb: ExpressionBuilder<Database & { m: MessagesTable }, "m">) =>
  eb.and([eb("m.pairLow", "=", a < b ? a : b), eb("m.pairHigh", "=", a < b ? b : a)]);

/** Not deleted "for me" by `userId`. */
const notHiddenFor = (userId: string) => (eb: ExpressionBuilder<Database & { m: MessagesTable }, "m">) =>
  eb.not(
    eb.exists(
      eb
        .selectFrom("messageHidden as h")
        .select("h.messageId")
        .whereRef("h.messageId", "=", "m.id")
        .where("h.userId", "=", userId),
    ),
  );

// ---------------------------------------------------------------- writes

/** Inserts unless the sender already used this client id; returns the row, or undefined for a retry. */
export const insertMessage = (db: Db, message: Insertable<MessagesTable>) =>
  db
    .insertInto("messages")
    .values(message)
    .onConflict((oc) => oc.columns(["senderId", "clientMessageId"]).doNothing())
    .returning(columns)
    .executeTakeFirst();

/** The sender's message with this client id (the messages_client_id key), and the fingerprint of its send. */
export const findByClientIdQuery = (db: Db, senderId: string, clientMessageId: string) =>
  db
    .selectFrom("messages as m")
    .select([...columns, "requestHash"])
    .where("m.senderId", "=", senderId)
    .where("m.clientMessageId", "=", clientMessageId);

export const findByClientId = (db: Db, senderId: string, clientMessageId: string) =>
  findByClientIdQuery(db, senderId, clientMessageId).executeTakeFirst();

/**
 * Moves the conversation to the top of both participants' lists (never back in time). The two rows
 * are written in one order whoever sends: two people writing to each other at once took them in
 * opposite orders and deadlocked.
 */
export const touchConversation = (db: Db, a: string, b: string, at: Date) =>
  touchConversationQuery(db, a, b, at).execute();

export const touchConversationQuery = (db: Db, a: string, b: string, at: Date) => {
  const [low, high] = a < b ? [a, b] : [b, a];
  return db
    .insertInto("conversations")
    .values([
      { userId: low, peerId: high, lastMessageAt: at },
      { userId: high, peerId: low, lastMessageAt: at },
    ])
    .onConflict((oc) =>
      oc
        .columns(["userId", "peerId"])
        .doUpdateSet({ lastMessageAt: sql`greatest(conversations.last_message_at, excluded.last_message_at)` }),
    );
};

/** A message `userId` takes part in and has not deleted for themselves (or has, with `hiddenToo`). */
export const findParticipantMessage = (db: Db, userId: string, id: string, hiddenToo = false) =>
  db
    .selectFrom("messages as m")
    .select(columns)
    .where("m.id", "=", id)
    .where((eb) => eb.or([eb("m.senderId", "=", userId), eb("m.recipientId", "=", userId)]))
    .$if(!hiddenToo, (q) => q.where(notHiddenFor(userId)))
    .executeTakeFirst();

/** Which of `userIds` deleted this message for themselves (message_hidden_pk). */
export async function hiddenFor(db: Db, messageId: string, userIds: readonly string[]): Promise<Set<string>> {
  const rows = await db
    .selectFrom("messageHidden")
    .select("userId")
    .where("userId", "in", userIds)
    .where("messageId", "=", messageId)
    .execute();
  return new Set(rows.map((r) => r.userId));
}

/** Delivered now, for the recipient's messages among `ids` not delivered yet. */
export const markDelivered = (db: Db, recipientId: string, ids: readonly string[]) =>
  db
    .updateTable("messages")
    .set({ deliveredAt: sql`now()` })
    .where("id", "in", ids)
    .where("recipientId", "=", recipientId)
    .where("deliveredAt", "is", null)
    .returning(["id", "senderId", "deliveredAt"])
    .execute();

/** Delivered now, for every unread message to the recipient not delivered yet (messages_unread). */
export const markAllDeliveredQuery = (db: Db, recipientId: string) =>
  db
    .updateTable("messages")
    .set({ deliveredAt: sql`now()` })
    .where("recipientId", "=", recipientId)
    .where("readAt", "is", null)
    .where("deletedAt", "is", null)
    .where("deliveredAt", "is", null)
    .returning(["id", "senderId", "deliveredAt"]);

export const markAllDelivered = (db: Db, recipientId: string) => markAllDeliveredQuery(db, recipientId).execute();

/** Read now: every unread message from `senderId` to `recipientId` up to and including `upTo`. */
export const markReadUpTo = (db: Db, recipientId: string, senderId: string, upTo: { createdAt: Date; id: string }) =>
  db
    .updateTable("messages")
    .set({ readAt: sql`now()`, deliveredAt: sql`coalesce(delivered_at, now())` })
    .where("recipientId", "=", recipientId)
    .where("senderId", "=", senderId)
    .where("readAt", "is", null)
    .where((eb) => eb(eb.refTuple("createdAt", "id"), "<=", eb.tuple(upTo.createdAt, upTo.id)))
    .returning(["id", "readAt"])
    .execute();

export const editBody = (db: Db, id: string, body: string) =>
  db
    .updateTable("messages as m")
    .set({ body, editedAt: sql`now()` })
    .where("m.id", "=", id)
    .where("m.deletedAt", "is", null)
    .returning(columns)
    .executeTakeFirst();

/** The tombstone: no body, attachments or reactions left. */
export async function deleteForEveryone(db: Db, id: string) {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom("messageReactions").where("messageId", "=", id).execute();
    return trx
      .updateTable("messages as m")
      .set({ body: "", attachmentIds: [], deletedAt: sql`now()` })
      .where("m.id", "=", id)
      .returning(columns)
      .executeTakeFirstOrThrow();
  });
}

export const hideFor = (db: Db, userId: string, messageId: string) =>
  db
    .insertInto("messageHidden")
    .values({ userId, messageId })
    .onConflict((oc) => oc.doNothing())
    .execute();

/** Locks the message for its reactions until the transaction ends: reactions added at once see each other. */
export const lockForReactions = (trx: Db, messageId: string) =>
  trx.selectFrom("messages").select("id").where("id", "=", messageId).forNoKeyUpdate().execute();

/** How many different emoji the message's reactions use, and whether `emoji` is among them. */
export async function reactionEmoji(db: Db, messageId: string, emoji: string) {
  const row = await db
    .selectFrom("messageReactions")
    .select([
      sql<number>`count(distinct emoji)::int`.as("kinds"),
      sql<boolean>`coalesce(bool_or(emoji = ${emoji}), false)`.as("used"),
    ])
    .where("messageId", "=", messageId)
    .executeTakeFirstOrThrow();
  return row;
}

/** Adds or removes one reaction; whether anything changed (a duplicate is a no-op). */
export async function setReaction(db: Db, messageId: string, userId: string, emoji: string, on: boolean) {
  const result = on
    ? await db
        .insertInto("messageReactions")
        .values({ messageId, userId, emoji })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst()
    : await db
        .deleteFrom("messageReactions")
        .where("messageId", "=", messageId)
        .where("userId", "=", userId)
        .where("emoji", "=", emoji)
        .executeTakeFirst();
  return Number("numInsertedOrUpdatedRows" in result ? result.numInsertedOrUpdatedRows : result.numDeletedRows) > 0;
}

// ---------------------------------------------------------------- reads

/** Reactions of many messages, grouped by emoji in the order first used: one query. */
export async function reactionsOf(db: Db, messageIds: readonly string[]) {
  const byMessage = new Map<string, { emoji: string; userIds: string[] }[]>();
  if (!messageIds.length) return byMessage;
  const rows = await db
    .selectFrom("messageReactions")
    .select(["messageId", "emoji", "userId"])
    .where("messageId", "in", messageIds)
    .orderBy("createdAt")
    .execute();
  for (const row of rows) {
    const list = byMessage.get(row.messageId) ?? [];
    const entry = list.find((r) => r.emoji === row.emoji);
    if (entry) entry.userIds.push(row.userId);
    else list.push({ emoji: row.emoji, userIds: [row.userId] });
    byMessage.set(row.messageId, list);
  }
  return byMessage;
}

/** A page of one conversation, newest first, without what `userId` deleted for themselves (messages_history). */
export function historyQuery(
  db: Db,
  userId: string,
  peerId: string,
  filter: { before?: Date; after?: Date },
  cursor: [string, string] | null,
  limit: number,
) {
  let query = db
    .selectFrom("messages as m")
    .select(columns)
    .where(inPair(userId, peerId))
    .where(notHiddenFor(userId))
    .orderBy("m.createdAt", "desc")
    .orderBy("m.id", "desc")
    .limit(limit + 1);
  if (filter.before) query = query.where("m.createdAt", "<", filter.before);
  if (filter.after) query = query.where("m.createdAt", ">", filter.after);
  if (cursor) {
    query = query.where((eb) => eb(eb.refTuple("m.createdAt", "m.id"), "<", eb.tuple(new Date(cursor[0]), cursor[1])));
  }
  return query;
}

/**
 * A page of `userId`'s conversations, most recent first, with the peer (display info), the newest
 * message they still see and their unread count (the messages_unread index), in one query.
 */
export function conversationsQuery(
  db: Db,
  userId: string,
  q: string | undefined,
  cursor: [string, string] | null,
  limit: number,
) {
  let query = db
    .selectFrom("conversations as c")
    .select((eb) => [
      "c.peerId",
      "c.lastMessageAt",
      authorColumn(db, eb.ref("c.peerId")).as("peer"),
      eb
        .selectFrom("messages as m")
        .select(sql<number>`count(*)::int`.as("n"))
        .where("m.recipientId", "=", userId)
        .whereRef("m.senderId", "=", "c.peerId")
        .where("m.readAt", "is", null)
        .where("m.deletedAt", "is", null)
        .where(notHiddenFor(userId))
        .as("unreadCount"),
      eb
        .selectFrom("messages as m")
        .select("m.id")
        .where((inner) =>
          inner.and([
            inner("m.pairLow", "=", sql<string>`least(c.user_id, c.peer_id)`),
            inner("m.pairHigh", "=", sql<string>`greatest(c.user_id, c.peer_id)`),
          ]),
        )
        .where(notHiddenFor(userId))
        .orderBy("m.createdAt", "desc")
        .orderBy("m.id", "desc")
        .limit(1)
        .as("lastMessageId"),
    ])
    .where("c.userId", "=", userId)
    .orderBy("c.lastMessageAt", "desc")
    .orderBy("c.peerId", "desc")
    .limit(limit + 1);
  if (q) query = query.where((eb) => personMatches(db, eb.ref("c.peerId"), { q }));
  if (cursor) {
    query = query.where((eb) =>
      eb(eb.refTuple("c.lastMessageAt", "c.peerId"), "<", eb.tuple(new Date(cursor[0]), cursor[1])),
    );
  }
  return query;
}

export const findMessages = (db: Db, ids: readonly string[]) =>
  ids.length ? db.selectFrom("messages as m").select(columns).where("m.id", "in", ids).execute() : Promise.resolve([]);

/** Those of `ids` that `userId` has not deleted for themselves. */
export const findMessagesShownTo = (db: Db, userId: string, ids: readonly string[]) =>
  ids.length
    ? db.selectFrom("messages as m").select(columns).where("m.id", "in", ids).where(notHiddenFor(userId)).execute()
    : Promise.resolve([]);

/**
 * Unread messages to `userId` in all conversations (or only from `senderId`), but those they deleted
 * for themselves (messages_unread).
 */
export const unreadTotalQuery = (db: Db, userId: string, senderId?: string) =>
  db
    .selectFrom("messages as m")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("m.recipientId", "=", userId)
    .$if(senderId !== undefined, (q) => q.where("m.senderId", "=", senderId as string))
    .where("m.readAt", "is", null)
    .where("m.deletedAt", "is", null)
    .where(notHiddenFor(userId));

// ---------------------------------------------------------------- for other modules

/** Everyone `userId` has a conversation with. */
export async function peersOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("conversations").select("peerId").where("userId", "=", userId).execute();
  return rows.map((r) => r.peerId);
}

/** Which of `ids` have a conversation with `userId`. */
export async function peersAmong(db: Db, userId: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .selectFrom("conversations")
    .select("peerId")
    .where("userId", "=", userId)
    .where("peerId", "in", ids)
    .execute();
  return new Set(rows.map((r) => r.peerId));
}

/** Which of these files live messages (not deleted for everyone) that `userId` takes part in hold. */
export async function filesInMessagesOf(db: Db, userId: string, fileIds: readonly string[]): Promise<Set<string>> {
  if (!fileIds.length) return new Set();
  const rows = await db
    .selectFrom("messages")
    .select(sql<string>`unnest(attachment_ids)`.as("fileId"))
    .where("attachmentIds", "&&", sql<string[]>`${[...fileIds]}::uuid[]`)
    .where("attachmentIds", "<>", sql<string[]>`'{}'`)
    .where("deletedAt", "is", null)
    .where((eb) => eb.or([eb("senderId", "=", userId), eb("recipientId", "=", userId)]))
    .execute();
  const wanted = new Set(fileIds);
  return new Set(rows.map((r) => r.fileId).filter((id) => wanted.has(id)));
}
