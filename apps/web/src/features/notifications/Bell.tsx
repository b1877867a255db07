import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { useI18n } from "../../i18n";
import { UnreadLabel } from "../../ui/UnreadLabel";

/** The bell: the live unread count (pushed on the personal stream), linking to the list. */
export function NotificationBell() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const key = trpc.notifications.unreadCount.queryKey();
  const unread = useQuery(trpc.notifications.unreadCount.queryOptions());
  useMyEvents((event) => {
    if (event.type === "notification.new" || event.type === "notification.count") {
      queryClient.setQueryData(key, (old) => (old ? { ...old, unread: event.unread } : old));
    }
  });
  return (
    <Link href="/notifications" className="bell">
      <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
        />
      </svg>
      <UnreadLabel label={t("nav.notifications")} count={unread.data?.unread ?? 0} labelHidden />
    </Link>
  );
}
