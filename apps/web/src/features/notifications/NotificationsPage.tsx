import type { RouterOutputs } from "@p2p/client";
import { notificationPath } from "@p2p/schemas";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { Link, useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { type MessageKey, useI18n } from "../../i18n";
import { errorText } from "../../ui/errors";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";

type Notification = RouterOutputs["notifications"]["list"]["items"][number];

/** /notifications: newest first, a page at a time; new ones arrive live; opening one marks it read. */
export default function NotificationsPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const filterId = useId();
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get("unread") === "1";
  const list = useInfiniteQuery(
    trpc.notifications.list.infiniteQueryOptions(
      { limit: 20, unreadOnly },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  // A new one, or read elsewhere (another tab or device): the list shows it as it is now.
  useMyEvents((event) => {
    if (event.type === "notification.new" || event.type === "notification.count") {
      void queryClient.invalidateQueries(trpc.notifications.list.pathFilter());
    }
  });
  // The answer carries the new unread count: the bell shows it at once.
  const onSuccess = ({ unread }: { unread: number }) => {
    queryClient.setQueryData(trpc.notifications.unreadCount.queryKey(), { unread });
    void queryClient.invalidateQueries(trpc.notifications.list.pathFilter());
  };
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess }));
  const markAllRead = useMutation(trpc.notifications.markAllRead.mutationOptions({ onSuccess }));
  const error = markRead.error ?? markAllRead.error;
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const newest = items[0];
  return (
    <section className="notifications">
      <div className="notifications-head">
        <PageHeading title={t("notifications.title")} />
        <Link href="/notifications/settings">{t("notifications.settings")}</Link>
      </div>
      <div className="notifications-tools">
        <label htmlFor={filterId}>
          <input
            id={filterId}
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => setParams(e.target.checked ? { unread: "1" } : {}, { replace: true })}
          />{" "}
          {t("notifications.unreadOnly")}
        </label>
        <button
          type="button"
          disabled={!items.some((n) => !n.readAt) || markAllRead.isPending}
          // Only what the list shows: one that arrives meanwhile stays unread.
          onClick={() => newest && markAllRead.mutate({ before: new Date(newest.createdAt.getTime() + 1) })}
        >
          {t("notifications.markAllRead")}
        </button>
      </div>
      {error && (
        <p role="alert" className="form-error">
          {errorText(t, error)}
        </p>
      )}
      <QueryState query={list}>
        {() =>
          items.length === 0 ? (
            <Empty>{unreadOnly ? t("notifications.noneUnread") : t("notifications.none")}</Empty>
          ) : (
            <>
              <ul className="list notifications-list">
                {items.map((n) => (
                  <NotificationItem key={n.id} notification={n} onRead={() => markRead.mutate({ ids: [n.id] })} />
                ))}
              </ul>
              <LoadMore query={list} />
            </>
          )
        }
      </QueryState>
    </section>
  );
}

function NotificationItem({ notification: n, onRead }: { notification: Notification; onRead(): void }) {
  const { t, format } = useI18n();
  const unread = !n.readAt;
  // Said in the reader's language from its parts (the server's `text` is English).
  const text = t(`notifications.text.${n.type}` as MessageKey, {
    actor: n.actor ? `${n.actor.firstName} ${n.actor.lastName}` : t("notifications.someone"),
    title: n.target?.title ?? t("notifications.gone"),
  });
  return (
    <li className="notifications-item" data-unread={unread || undefined}>
      <p className="notifications-text">
        {n.target ? (
          <Link href={notificationPath(n.target)} onClick={() => unread && onRead()}>
            {text}
          </Link>
        ) : (
          text
        )}
      </p>
      <p className="muted notifications-meta">
        {unread && <span className="notifications-unread">{t("notifications.unread")}</span>}
        <time dateTime={n.createdAt.toISOString()} title={format.dateTime(n.createdAt)}>
          {format.relative(n.createdAt)}
        </time>
        {!n.target && <span>{t("notifications.goneNote")}</span>}
        {unread && !n.target && (
          <button type="button" className="link" onClick={onRead}>
            {t("notifications.markRead")}
          </button>
        )}
      </p>
    </li>
  );
}
