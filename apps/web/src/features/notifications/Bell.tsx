import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { useT } from "../../i18n";

/** The bell: the live unread count (pushed on the personal stream), linking to the list. */
export function NotificationBell() {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const key = trpc.notifications.unreadCount.queryKey();
  const unread = useQuery(trpc.notifications.unreadCount.queryOptions());
  useMyEvents((event) => {
    if (event.type === "notification.new" || event.type === "notification.count") {
      queryClient.setQueryData(key, (old) => (old ? { ...old, unread: event.unread } : old));
    }
  });
  const count = unread.data?.unread ?? 0;
  return (
    <Link
      href="/notifications"
      className="bell"
      aria-label={`${t("nav.notifications")}: ${t("nav.unread", { count })}`}
    >
      <span aria-hidden="true">🔔</span>
      {count > 0 && (
        <span className="badge" aria-hidden="true">
          {count > 99 ? "99+" : count}
        </span>
      )}
    </Link>
  );
}
