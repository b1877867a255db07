import { type FileMeta, messageLimits, SendMessageInput, uploadContentTypes } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, useId, useRef, useState } from "react";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { randomId, useClientKey } from "../../ui/clientKey";
import { errorInfo, errorText, issueText } from "../../ui/errors";
import { FormError } from "../../ui/form";
import { uploadFile } from "../../ui/upload";
import { useMessageCache } from "./live";

/** The server drops a "typing" signal after a few seconds; tell it again at most this often. */
const TYPING_EVERY_MS = 3_000;

interface Upload {
  key: string;
  name: string;
  progress: number;
  /** Taking a file off the message stops its upload. */
  abort: AbortController;
  file?: FileMeta;
  error?: string;
}

/**
 * Writing to `peerId`: text (Enter sends), files uploaded as they are chosen (with progress), the
 * typing signal. Each message gets its client id once, so sending it again after a failure (a lost
 * answer) cannot make it twice.
 */
export function Composer({ peerId }: { peerId: string }) {
  const t = useT();
  const trpc = useTRPC();
  const cache = useMessageCache();
  const id = useId();
  const clientKey = useClientKey();
  const lastTyping = useRef(0);
  const [body, setBody] = useState("");
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const send = useMutation(trpc.messages.send.mutationOptions());
  const typing = useMutation(trpc.messages.setTyping.mutationOptions());
  const uploading = uploads.some((u) => !u.file && !u.error);

  const changeUpload = (key: string, patch: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const attach = (files: FileList | null) => {
    for (const file of [...(files ?? [])].slice(0, messageLimits.attachments - uploads.length)) {
      const key = randomId();
      const abort = new AbortController();
      setUploads((list) => [...list, { key, name: file.name, progress: 0, abort }]);
      uploadFile(file, { signal: abort.signal, onProgress: (progress) => changeUpload(key, { progress }) }).then(
        (meta) => changeUpload(key, { file: meta }),
        (error: unknown) => changeUpload(key, { error: errorText(t, error, "messages") }),
      );
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (send.isPending || uploading) return;
    const draft = { recipientId: peerId, body, attachmentIds: uploads.flatMap((u) => (u.file ? [u.file.id] : [])) };
    const input = { ...draft, clientMessageId: clientKey.for(draft) };
    const parsed = SendMessageInput.safeParse(input);
    setFormError(null);
    if (!parsed.success) {
      setFieldError(issueText(t, parsed.error.issues[0] as Parameters<typeof issueText>[1]));
      return;
    }
    setFieldError(null);
    try {
      const message = await send.mutateAsync(parsed.data);
      cache.put(peerId, message);
      void cache.conversationsChanged(peerId);
      clientKey.made();
      setBody("");
      setUploads([]);
    } catch (error) {
      const issue = errorInfo(error).issues.find((i) => i.path === "body");
      setFieldError(issue ? issueText(t, issue) : null);
      setFormError(errorText(t, error, "messages"));
    }
  };

  const onChange = (value: string) => {
    setBody(value);
    setFieldError(null);
    const now = Date.now();
    if (value && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      typing.mutate({ userId: peerId });
    }
  };

  // Enter sends; Shift+Enter (and Enter while composing with an input method) is a new line.
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      e.currentTarget.form?.requestSubmit();
    }
  };

  const described = [fieldError ? `${id}-error` : null, `${id}-hint`].filter(Boolean).join(" ");
  return (
    <form className="messages-composer" onSubmit={submit} noValidate>
      <FormError message={formError} />
      <div className="field">
        <label htmlFor={id}>{t("messages.composer.label")}</label>
        <textarea
          id={id}
          rows={2}
          value={body}
          maxLength={messageLimits.body}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={described}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <small id={`${id}-hint`} className="hint">
          {t("messages.composer.hint")}
        </small>
        {fieldError && (
          <small id={`${id}-error`} className="field-error">
            {fieldError}
          </small>
        )}
      </div>
      {uploads.length > 0 && (
        <ul className="messages-uploads">
          {uploads.map((u) => (
            <li key={u.key}>
              <span>{u.name}</span>
              {!u.file && !u.error && (
                <progress value={u.progress} max={1} aria-label={t("messages.uploading", { name: u.name })} />
              )}
              {u.error && <span className="field-error">{u.error}</span>}
              <button
                type="button"
                className="ghost"
                aria-label={t("messages.removeAttachment", { name: u.name })}
                onClick={() => {
                  u.abort.abort();
                  setUploads((list) => list.filter((x) => x.key !== u.key));
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="messages-composer-actions">
        <label className="messages-attach">
          {t("messages.attach")}
          <input
            type="file"
            multiple
            accept={uploadContentTypes.join(",")}
            className="visually-hidden"
            onChange={(e) => {
              attach(e.target.files);
              e.target.value = "";
            }}
          />
        </label>
        <button type="submit" className="primary" disabled={send.isPending || uploading}>
          {send.isPending ? t("messages.composer.sending") : t("messages.composer.send")}
        </button>
      </div>
    </form>
  );
}
