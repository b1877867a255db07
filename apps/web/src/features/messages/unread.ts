import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";

/**
 * The caller's unread direct messages (for the navigation), kept current by the personal stream:
 * a read on another device tells the new total; a message to the caller that arrives, or that goes
 * while unread, has the total asked again (reads on this device do so too: useMessageCache).
 */
export function useUnreadMessages(myId: string): number {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const unread = useQuery(trpc.messages.unreadCount.queryOptions());
  useMyEvents((event) => {
    const changed =
      event.type === "message.hidden" ||
      (event.type === "message.new" && event.message.recipientId === myId) ||
      (event.type === "message.updated" &&
        event.message.deleted &&
        event.message.recipientId === myId &&
        event.message.status !== "read");
    if (event.type === "conversation.read") {
      queryClient.setQueryData(trpc.messages.unreadCount.queryKey(), { unread: event.unread });
    } else if (changed) {
      void queryClient.invalidateQueries(trpc.messages.unreadCount.pathFilter());
    }
  });
  return unread.data?.unread ?? 0;
}
