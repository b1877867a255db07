import type { RouterOutputs } from "@p2p/client";
import { type InfiniteData, type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";

export type Message = RouterOutputs["messages"]["history"]["items"][number];
type History = InfiniteData<RouterOutputs["messages"]["history"], string | null>;

/** Newest first, as the server pages them. */
export const historyInput = (userId: string) => ({ userId, limit: 30 });

/** Applies `change` to every loaded message of a conversation (null drops it). */
function mapHistory(data: History | undefined, change: (m: Message) => Message | null): History | undefined {
  if (!data) return data;
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      items: page.items.flatMap((m) => {
        const next = change(m);
        return next ? [next] : [];
      }),
    })),
  };
}

const progress = { sent: 0, delivered: 1, read: 2 } as const;

/**
 * A message that is new to the conversation goes on top of the newest page; a known one is replaced,
 * but its receipt never goes back: a send's answer may arrive after the live "delivered".
 */
function putMessage(data: History | undefined, message: Message): History | undefined {
  if (!data) return data;
  const known = data.pages.some((p) => p.items.some((m) => m.id === message.id));
  if (known) {
    return mapHistory(data, (m) => {
      if (m.id !== message.id) return m;
      if (progress[m.status] <= progress[message.status]) return message;
      return { ...message, status: m.status, deliveredAt: m.deliveredAt, readAt: m.readAt };
    });
  }
  const [first, ...rest] = data.pages;
  if (!first) return data;
  return { ...data, pages: [{ ...first, items: [message, ...first.items] }, ...rest] };
}

const atOrBefore = (m: Message, upTo: Message) =>
  m.createdAt < upTo.createdAt || (m.createdAt.getTime() === upTo.createdAt.getTime() && m.id <= upTo.id);

/** Marks `senderId`'s messages up to `upToId` read (the server's rule: by time, then id). */
function readUpTo(data: History | undefined, senderId: string, upToId: string, at: Date): History | "unknown" {
  const upTo = data?.pages.flatMap((p) => p.items).find((m) => m.id === upToId);
  if (!data || !upTo) return "unknown";
  return mapHistory(data, (m) =>
    m.senderId === senderId && m.status !== "read" && atOrBefore(m, upTo)
      ? { ...m, status: "read", readAt: at, deliveredAt: m.deliveredAt ?? at }
      : m,
  ) as History;
}

/** The cache edits a conversation needs, shared by the live events and the page's own writes. */
export function useMessageCache() {
  const trpc = useTRPC();
  const queryClient: QueryClient = useQueryClient();
  const history = (peerId: string) => trpc.messages.history.infiniteQueryFilter({ userId: peerId });
  return {
    put: (peerId: string, message: Message) =>
      queryClient.setQueriesData<History>(history(peerId), (d) => putMessage(d, message)),
    drop: (messageId: string) =>
      queryClient.setQueriesData<History>(trpc.messages.history.pathFilter(), (d) =>
        mapHistory(d, (m) => (m.id === messageId ? null : m)),
      ),
    read: (peerId: string, senderId: string, upToId: string, at: Date) => {
      const data = queryClient.getQueryData<History>(trpc.messages.history.infiniteQueryKey(historyInput(peerId)));
      const next = readUpTo(data, senderId, upToId, at);
      if (next === "unknown") void queryClient.invalidateQueries(history(peerId));
      else queryClient.setQueryData(trpc.messages.history.infiniteQueryKey(historyInput(peerId)), next);
    },
    delivered: (peerId: string, ids: readonly string[], at: Date) =>
      queryClient.setQueriesData<History>(history(peerId), (d) =>
        mapHistory(d, (m) =>
          ids.includes(m.id) && m.status === "sent" ? { ...m, status: "delivered", deliveredAt: at } : m,
        ),
      ),
    /**
     * The list's order, previews and unread counts (and the total) come from the server: ask again.
     * A first message with `peerId` also lets the two see each other's presence: ask for it again too.
     */
    conversationsChanged: (peerId?: string) => {
      const lists = queryClient.getQueriesData<InfiniteData<RouterOutputs["messages"]["listConversations"]>>(
        trpc.messages.listConversations.pathFilter(),
      );
      const known = lists.some(([, list]) => list?.pages.some((p) => p.items.some((c) => c.peer.id === peerId)));
      if (peerId && !known) void queryClient.invalidateQueries(trpc.presence.get.pathFilter());
      void queryClient.invalidateQueries(trpc.messages.unreadCount.pathFilter());
      return queryClient.invalidateQueries(trpc.messages.listConversations.pathFilter());
    },
  };
}

/**
 * Keeps every open conversation and the conversation list current from the personal stream: new,
 * edited and deleted messages, and the receipts of one's own messages.
 */
export function useMessagesLive(myId: string) {
  const cache = useMessageCache();
  const peerOf = useCallback((m: Message) => (m.senderId === myId ? m.recipientId : m.senderId), [myId]);
  useMyEvents((event) => {
    switch (event.type) {
      case "message.new":
      case "message.updated":
        cache.put(peerOf(event.message), event.message);
        void cache.conversationsChanged(peerOf(event.message));
        break;
      case "message.hidden":
        cache.drop(event.messageId);
        void cache.conversationsChanged();
        break;
      case "conversation.read":
        // Read on another device: the conversation's unread count there is this one's too.
        void cache.conversationsChanged(event.peerId);
        break;
      case "message.status":
        if (event.status === "read" && event.upToMessageId) {
          cache.read(event.peerId, myId, event.upToMessageId, event.at);
        } else if (event.status === "delivered") {
          cache.delivered(event.peerId, event.messageIds, event.at);
        }
        break;
    }
  });
}
