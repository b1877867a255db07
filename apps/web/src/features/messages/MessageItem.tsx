import { EditMessageInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { Fragment, useRef, useState } from "react";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { errorText } from "../../ui/errors";
import { Field, FormError, useZodForm } from "../../ui/form";
import { type Message, useMessageCache } from "./live";

/** The reactions offered in one click. */
const EMOJIS = ["👍", "❤️", "😂", "😮", "🙏"];
/** The server's windows (messages/changes.ts): edits within 15 minutes, deleting for both within 24 hours. */
const EDIT_MS = 15 * 60_000;
const DELETE_FOR_EVERYONE_MS = 24 * 3_600_000;

interface MessageItemProps {
  message: Message;
  myId: string;
  peerId: string;
  peerName: string;
}

/** One message: who and when, the text and files, reactions, and (on one's own) the receipt. */
export function MessageItem({ message, myId, peerId, peerName }: MessageItemProps) {
  const { t, format } = useI18n();
  const own = message.senderId === myId;
  const [editing, setEditing] = useState(false);
  const reactions = useReact(message, myId);
  const age = Date.now() - message.createdAt.getTime();
  return (
    <li className="messages-item" data-own={own || undefined}>
      <p className="messages-meta">
        <span className="messages-author">{own ? t("messages.you") : peerName}</span>{" "}
        <time dateTime={message.createdAt.toISOString()}>{format.dateTime(message.createdAt)}</time>
        {message.editedAt && !message.deleted && <span className="muted"> · {t("messages.edited")}</span>}
      </p>
      {message.deleted ? (
        <p className="muted messages-body">{t("messages.deleted")}</p>
      ) : editing ? (
        <EditForm message={message} peerId={peerId} onDone={() => setEditing(false)} />
      ) : (
        <>
          {message.body && <p className="messages-body">{linkified(message.body)}</p>}
          <Attachments message={message} />
        </>
      )}
      {!message.deleted && <Reactions message={message} react={reactions} />}
      {own && <p className="messages-receipt">{t(`messages.status.${message.status}`)}</p>}
      {!message.deleted && !editing && (
        <div className="messages-tools">
          <ReactPicker react={reactions} />
          {own && age < EDIT_MS && (
            <button type="button" className="link" onClick={() => setEditing(true)}>
              {t("action.edit")}
            </button>
          )}
          <DeleteButton message={message} canForEveryone={own && age < DELETE_FOR_EVERYONE_MS} />
        </div>
      )}
    </li>
  );
}

/** Plain text with its web addresses as links (the server stores text, never markup). */
function linkified(body: string) {
  return body.split(/(https?:\/\/[^\s<>"]+)/g).map((part, i) =>
    i % 2 === 1 ? (
      <a key={part + String(i)} href={part} target="_blank" rel="noopener noreferrer">
        {part}
      </a>
    ) : (
      <Fragment key={part + String(i)}>{part}</Fragment>
    ),
  );
}

function Attachments({ message }: { message: Message }) {
  const { format } = useI18n();
  if (message.attachments.length === 0) return null;
  return (
    <ul className="messages-attachments">
      {message.attachments.map((file) => (
        <li key={file.id}>
          <a href={`/files/${file.id}`} target="_blank" rel="noopener noreferrer">
            {file.contentType.startsWith("image/") ? <img src={`/files/${file.id}`} alt={file.name} /> : file.name}
          </a>{" "}
          <span className="muted">({format.number(Math.max(1, Math.round(file.size / 1024)))} KB)</span>
        </li>
      ))}
    </ul>
  );
}

/** React or take a reaction back; the answer (and the live event) is the message as it is now. */
function useReact(message: Message, myId: string) {
  const trpc = useTRPC();
  const cache = useMessageCache();
  const peerId = message.senderId === myId ? message.recipientId : message.senderId;
  const options = { onSuccess: (updated: Message) => cache.put(peerId, updated) };
  const react = useMutation(trpc.messages.react.mutationOptions(options));
  const unreact = useMutation(trpc.messages.unreact.mutationOptions(options));
  const mine = (emoji: string) => message.reactions.some((r) => r.emoji === emoji && r.userIds.includes(myId));
  return {
    toggle: (emoji: string) => (mine(emoji) ? unreact : react).mutate({ messageId: message.id, emoji }),
    mine,
    error: react.error ?? unreact.error,
  };
}

type ReactState = ReturnType<typeof useReact>;

function Reactions({ message, react }: { message: Message; react: ReactState }) {
  const { t } = useI18n();
  const { toggle, mine, error } = react;
  if (message.reactions.length === 0 && !error) return null;
  return (
    <div className="messages-reactions">
      {message.reactions.map((r) => (
        <button
          key={r.emoji}
          type="button"
          aria-pressed={mine(r.emoji)}
          aria-label={t("messages.reaction", { emoji: r.emoji, count: r.userIds.length })}
          onClick={() => toggle(r.emoji)}
        >
          {r.emoji} {r.userIds.length}
        </button>
      ))}
      {error && (
        <span role="alert" className="form-error">
          {errorText(t, error, "messages")}
        </span>
      )}
    </div>
  );
}

function ReactPicker({ react }: { react: ReactState }) {
  const { t } = useI18n();
  const { toggle, mine } = react;
  const details = useRef<HTMLDetailsElement>(null);
  return (
    <details className="messages-picker" ref={details}>
      <summary>{t("messages.react")}</summary>
      <div>
        {EMOJIS.map((emoji) => (
          <button
            key={emoji}
            type="button"
            className="ghost"
            aria-pressed={mine(emoji)}
            aria-label={t("messages.reactWith", { emoji })}
            onClick={() => {
              toggle(emoji);
              if (details.current) details.current.open = false;
            }}
          >
            {emoji}
          </button>
        ))}
      </div>
    </details>
  );
}

function EditForm({ message, peerId, onDone }: { message: Message; peerId: string; onDone(): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const cache = useMessageCache();
  const edit = useMutation(trpc.messages.edit.mutationOptions());
  const form = useZodForm({
    schema: EditMessageInput,
    initial: { id: message.id, body: message.body },
    feature: "messages",
    onSubmit: async (input) => {
      cache.put(peerId, await edit.mutateAsync(input));
      onDone();
    },
  });
  return (
    <form onSubmit={form.submit} noValidate className="messages-edit">
      <FormError message={form.formError} />
      <Field label={t("messages.edit.label")} multiline {...form.field("body")} />
      <div className="row">
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("action.save")}
        </button>
        <button type="button" onClick={onDone}>
          {t("action.cancel")}
        </button>
      </div>
    </form>
  );
}

/** Delete for me (hidden from my history), or, the sender within a day, for both of us. */
function DeleteButton({ message, canForEveryone }: { message: Message; canForEveryone: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const cache = useMessageCache();
  const [open, setOpen] = useState(false);
  const remove = useMutation(
    trpc.messages.delete.mutationOptions({
      onSuccess: (_ok, input) => {
        if (!input.forEveryone) cache.drop(message.id);
        setOpen(false);
      },
    }),
  );
  return (
    <>
      <button type="button" className="link" onClick={() => setOpen(true)}>
        {t("action.delete")}
      </button>
      <Dialog open={open} title={t("messages.delete.title")} onClose={() => setOpen(false)}>
        {remove.error && (
          <p role="alert" className="form-error">
            {errorText(t, remove.error, "messages")}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => setOpen(false)}>
            {t("action.cancel")}
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate({ id: message.id, forEveryone: false })}
          >
            {t("messages.delete.forMe")}
          </button>
          {canForEveryone && (
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate({ id: message.id, forEveryone: true })}
            >
              {t("messages.delete.forEveryone")}
            </button>
          )}
        </div>
      </Dialog>
    </>
  );
}
