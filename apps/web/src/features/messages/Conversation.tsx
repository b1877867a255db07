import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, useSyncExternalStore } from "react";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { useI18n, useT } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { Empty, QueryState } from "../../ui/states";
import { Composer } from "./Composer";
import { historyInput, type Message, useMessageCache } from "./live";
import { MessageItem } from "./MessageItem";
import { PresenceDot, type PresenceOf } from "./presence";

/** How long "X is typing…" stays without another signal (the sender repeats it every few seconds). */
const TYPING_SHOWN_MS = 6_000;

interface ConversationProps {
  peerId: string;
  myId: string;
  presence: PresenceOf;
  blocked: boolean;
}

/** The open conversation: who it is with, the history, who is typing, and the composer. */
export function Conversation({ peerId, myId, presence, blocked }: ConversationProps) {
  const t = useT();
  const trpc = useTRPC();
  const headingId = useId();
  const peer = useQuery(trpc.users.get.queryOptions({ id: peerId }));
  return (
    <section className="card messages-conversation" aria-labelledby={headingId}>
      <QueryState query={peer} feature="messages">
        {(person) => {
          const name = `${person.firstName} ${person.lastName}`;
          return (
            <>
              <header className="messages-peer">
                <div>
                  <h2 id={headingId}>
                    {name} <PresenceDot status={presence(peerId)} />
                  </h2>
                  <p className="muted">{[person.title, person.organization.name].filter(Boolean).join(" · ")}</p>
                </div>
                <BlockButton peerId={peerId} name={name} blocked={blocked} />
              </header>
              <History peerId={peerId} myId={myId} peerName={name} />
              <Typing peerId={peerId} name={person.firstName} />
              {blocked ? <p className="notice">{t("messages.blockedNotice")}</p> : <Composer peerId={peerId} />}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

function History({ peerId, myId, peerName }: { peerId: string; myId: string; peerName: string }) {
  const t = useT();
  const trpc = useTRPC();
  const history = useInfiniteQuery(
    trpc.messages.history.infiniteQueryOptions(historyInput(peerId), { getNextPageParam: (p) => p.nextCursor }),
  );
  const newestFirst = history.data?.pages.flatMap((p) => p.items) ?? [];
  useMarkRead(peerId, newestFirst);
  const log = useRef<HTMLDivElement>(null);
  const newest = newestFirst[0]?.id;
  // A new message (sent or received) scrolls to the end; loading older ones keeps the place.
  useEffect(() => {
    if (newest && log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [newest]);
  return (
    <QueryState query={history} feature="messages">
      {() => (
        <div ref={log} className="messages-log" role="log" aria-label={t("messages.history", { name: peerName })}>
          {history.hasNextPage && (
            <button
              type="button"
              className="messages-older"
              disabled={history.isFetchingNextPage}
              onClick={() => history.fetchNextPage()}
            >
              {t("messages.loadOlder")}
            </button>
          )}
          {newestFirst.length === 0 ? (
            <Empty>{t("messages.empty")}</Empty>
          ) : (
            <ol className="messages-list">
              {newestFirst.toReversed().map((m) => (
                <MessageItem key={m.id} message={m} myId={myId} peerId={peerId} peerName={peerName} />
              ))}
            </ol>
          )}
        </div>
      )}
    </QueryState>
  );
}

/** Whether the page is on screen (not a background tab or a minimized window). */
function useDocumentVisible(): boolean {
  return useSyncExternalStore(
    (changed) => {
      document.addEventListener("visibilitychange", changed);
      return () => document.removeEventListener("visibilitychange", changed);
    },
    () => document.visibilityState === "visible",
  );
}

/**
 * While the conversation is open and on screen, everything the peer sent is read: one markRead up
 * to their newest message, again when a newer one arrives. The sender sees "read" from it.
 */
function useMarkRead(peerId: string, newestFirst: Message[]) {
  const trpc = useTRPC();
  const cache = useMessageCache();
  const visible = useDocumentVisible();
  const marked = useRef<string | null>(null);
  const markRead = useMutation(
    trpc.messages.markRead.mutationOptions({
      onSuccess: (_result, input) => {
        cache.read(peerId, peerId, input.upToMessageId, new Date());
        void cache.conversationsChanged();
      },
    }),
  );
  const latest = newestFirst.find((m) => m.senderId === peerId);
  const unread = latest && latest.status !== "read" ? latest.id : null;
  const { mutate } = markRead;
  useEffect(() => {
    if (!visible || !unread || marked.current === unread) return;
    marked.current = unread;
    mutate({ userId: peerId, upToMessageId: unread });
  }, [visible, unread, peerId, mutate]);
}

/** "Sara is typing…", from the live `typing` signals; a message from them ends it. */
function Typing({ peerId, name }: { peerId: string; name: string }) {
  const t = useT();
  const [typing, setTyping] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useMyEvents((event) => {
    const active =
      event.type === "typing" && event.userId === peerId
        ? event.active
        : event.type === "message.new" && event.message.senderId === peerId
          ? false
          : null;
    if (active === null) return;
    clearTimeout(timer.current);
    setTyping(active);
    if (active) timer.current = setTimeout(() => setTyping(false), TYPING_SHOWN_MS);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <p className="messages-typing muted" aria-live="polite">
      {typing ? t("messages.typing", { name }) : ""}
    </p>
  );
}

/** Block (after a confirmation) or unblock the person; the page's block list is asked again after. */
function BlockButton({ peerId, name, blocked }: { peerId: string; name: string; blocked: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const options = {
    onSuccess: () => {
      void queryClient.invalidateQueries(trpc.contacts.listBlocked.pathFilter());
      void queryClient.invalidateQueries(trpc.presence.get.pathFilter());
    },
  };
  const block = useMutation(trpc.contacts.block.mutationOptions(options));
  const unblock = useMutation(trpc.contacts.unblock.mutationOptions(options));
  const action = blocked ? unblock : block;
  return (
    <>
      <button type="button" className={blocked ? undefined : "danger"} onClick={() => setOpen(true)}>
        {blocked ? t("messages.unblock") : t("messages.block")}
      </button>
      <ConfirmDialog
        open={open}
        title={t(blocked ? "messages.unblock.title" : "messages.block.title", { name })}
        body={t(blocked ? "messages.unblock.body" : "messages.block.body")}
        confirmLabel={blocked ? t("messages.unblock") : t("messages.block")}
        danger={!blocked}
        feature="messages"
        onConfirm={() => action.mutateAsync({ userId: peerId })}
        onClose={() => setOpen(false)}
      />
    </>
  );
}
