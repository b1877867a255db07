import type { Conversation, DirectMessage } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { decodeCursor, toPage } from "../../lib/pagination";
import { withPresence } from "../presence/service";
import { toMessages } from "./dto";
import { conversationsQuery, findMessages, historyQuery, unreadTotalQuery } from "./repo";

const TimeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

/** One conversation, newest first, with date filters; the caller's "deleted for me" messages left out. */
export async function history(
  deps: AppDeps,
  caller: Principal,
  input: { userId: string; cursor?: string | null; limit: number; before?: Date; after?: Date },
) {
  const cursor = decodeCursor(input.cursor, TimeAndId);
  const rows = await historyQuery(deps.db, caller.userId, input.userId, input, cursor, input.limit).execute();
  const { items, nextCursor } = toPage(
    rows,
    input.limit,
    (r) => [r.createdAt, r.id],
    (r) => r,
  );
  return { items: await toMessages(deps.db, caller.userId, items), nextCursor };
}

/** One row per peer, most recent first: the peer with presence, the last message, the unread count. */
export async function listConversations(
  deps: AppDeps,
  caller: Principal,
  input: { cursor?: string | null; limit: number; q?: string },
) {
  const cursor = decodeCursor(input.cursor, TimeAndId);
  const rows = await conversationsQuery(deps.db, caller.userId, input.q, cursor, input.limit).execute();
  const { items: shown, nextCursor } = toPage(
    rows,
    input.limit,
    (r) => [r.lastMessageAt, r.peerId],
    (r) => r,
  );
  const [messages, peers] = await Promise.all([
    findMessages(
      deps.db,
      shown.flatMap((r) => r.lastMessageId ?? []),
    ).then((found) => toMessages(deps.db, caller.userId, found)),
    withPresence(
      deps,
      caller.userId,
      shown.map((r) => r.peer),
    ),
  ]);
  const byId = new Map<string, DirectMessage>(messages.map((m) => [m.id, m]));
  const items: Conversation[] = shown.map((row, i) => ({
    peer: peers[i] as Conversation["peer"],
    lastMessage: (row.lastMessageId && byId.get(row.lastMessageId)) || null,
    unreadCount: row.unreadCount ?? 0,
    lastMessageAt: row.lastMessageAt,
  }));
  return { items, nextCursor };
}

export async function unreadCount(deps: AppDeps, caller: Principal) {
  const { n } = await unreadTotalQuery(deps.db, caller.userId).executeTakeFirstOrThrow();
  return { unread: n };
}
