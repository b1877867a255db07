import type { RouterOutputs } from "@p2p/client";
import { Id } from "@p2p/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "wouter";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n, useT } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { errorText } from "../../ui/errors";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { Conversation } from "./Conversation";
import { useMessagesLive } from "./live";
import { NewConversation } from "./NewConversation";
import { PresenceDot, type PresenceOf, usePresence } from "./presence";

type ConversationItem = RouterOutputs["messages"]["listConversations"]["items"][number];

/** /messages and /messages/:userId: the conversations on one side, the open one on the other. */
export default function MessagesPage() {
  const t = useT();
  const trpc = useTRPC();
  const { userId } = useParams<{ userId?: string }>();
  const { user } = useSession();
  useMessagesLive(user.id);
  const conversations = useInfiniteQuery(
    trpc.messages.listConversations.infiniteQueryOptions({ limit: 30 }, { getNextPageParam: (p) => p.nextCursor }),
  );
  const blockedList = useQuery(trpc.contacts.listBlocked.queryOptions({ limit: 100 }));
  const blocked = new Set(blockedList.data?.items.map((b) => b.id));
  const items = conversations.data?.pages.flatMap((p) => p.items) ?? [];
  // Nobody writes to themselves: their own id is no conversation.
  const openId = userId && userId !== user.id && Id.safeParse(userId).success ? userId : null;
  const presence = usePresence([...items.map((c) => c.peer.id), ...(openId ? [openId] : [])]);
  return (
    <div className="messages-page">
      <div className="messages-head">
        <PageHeading title={t("messages.title")} />
        <NewConversation />
        <BlockedPeople list={blockedList.data?.items ?? []} />
      </div>
      <div className="messages-layout">
        <nav className="card messages-side" aria-labelledby="messages-conversations">
          <h2 id="messages-conversations">{t("messages.conversations")}</h2>
          <QueryState query={conversations} feature="messages">
            {() =>
              items.length === 0 ? (
                <Empty>{t("messages.noConversations")}</Empty>
              ) : (
                <>
                  <ul className="messages-conversations">
                    {items.map((c) => (
                      <ConversationLink
                        key={c.peer.id}
                        conversation={c}
                        myId={user.id}
                        current={c.peer.id === openId}
                        presence={presence}
                      />
                    ))}
                  </ul>
                  <LoadMore query={conversations} feature="messages" />
                </>
              )
            }
          </QueryState>
        </nav>
        {openId ? (
          <Conversation key={openId} peerId={openId} myId={user.id} presence={presence} blocked={blocked.has(openId)} />
        ) : userId ? (
          <p className="notice">{t("error.NOT_FOUND")}</p>
        ) : (
          <p className="messages-pick muted">{t("messages.pickConversation")}</p>
        )}
      </div>
    </div>
  );
}

interface ConversationLinkProps {
  conversation: ConversationItem;
  myId: string;
  current: boolean;
  presence: PresenceOf;
}

function ConversationLink({ conversation: c, myId, current, presence }: ConversationLinkProps) {
  const { t, format } = useI18n();
  const last = c.lastMessage;
  const preview = !last
    ? ""
    : last.deleted
      ? t("messages.deleted")
      : `${last.senderId === myId ? `${t("messages.you")}: ` : ""}${last.body || t("messages.attachmentOnly")}`;
  return (
    <li>
      <Link
        href={`/messages/${c.peer.id}`}
        aria-current={current ? "page" : undefined}
        className="messages-conversation-link"
      >
        <span className="messages-name">
          <PresenceDot status={presence(c.peer.id)} /> {c.peer.firstName} {c.peer.lastName}
        </span>
        <time dateTime={c.lastMessageAt.toISOString()} className="muted">
          {format.relative(c.lastMessageAt)}
        </time>
        <span className="messages-preview muted">{preview}</span>
        {c.unreadCount > 0 && (
          <span className="messages-unread">
            <span aria-hidden="true">{format.number(c.unreadCount)}</span>
            <span className="visually-hidden">{t("messages.unread", { count: c.unreadCount })}</span>
          </span>
        )}
      </Link>
    </li>
  );
}

/** The people one blocked, each with a way to unblock them. */
function BlockedPeople({ list }: { list: RouterOutputs["contacts"]["listBlocked"]["items"] }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const unblock = useMutation(
    trpc.contacts.unblock.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.contacts.listBlocked.pathFilter()),
    }),
  );
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        {t("messages.blockedList")}
      </button>
      <Dialog open={open} title={t("messages.blockedList")} onClose={() => setOpen(false)}>
        {unblock.error && (
          <p role="alert" className="form-error">
            {errorText(t, unblock.error, "messages")}
          </p>
        )}
        {list.length === 0 ? (
          <Empty>{t("messages.blockedNone")}</Empty>
        ) : (
          <ul className="list">
            {list.map((person) => (
              <li key={person.id} className="messages-blocked">
                <span>
                  {person.firstName} {person.lastName} <span className="muted">{person.organization.name}</span>
                </span>
                <button
                  type="button"
                  disabled={unblock.isPending}
                  onClick={() => unblock.mutate({ userId: person.id })}
                >
                  {t("messages.unblock")}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Dialog>
    </>
  );
}
