import type { MediaAsset } from "@p2p/schemas";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { useTRPC } from "../../api";
import { useMyEvents } from "../../app/events";
import { useI18n } from "../../i18n";
import { randomId } from "../../ui/clientKey";
import { errorInfo, errorText, issueText } from "../../ui/errors";
import { uploadFile } from "../../ui/upload";
import { Thumbnail } from "./media";
import type { UseCase } from "./StepForm";

interface Upload {
  key: string;
  name: string;
  progress: number;
  error: string | null;
}

type MediaList = UseCase["media"];

/**
 * A draft's photos and videos: each chosen file uploads at once (with its progress), is attached,
 * then processed on the server; its status arrives on the personal stream (`media.status`).
 * Captions, order (the first is the cover) and removal are saved as they change.
 */
export function MediaManager({ useCase }: { useCase: UseCase }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inputId = useId();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [error, setError] = useState<string | null>(null);
  // Statuses already announced: one may arrive before the attach call answers with "pending".
  const announced = useRef(new Map<string, MediaAsset>()).current;
  const key = trpc.useCases.get.queryKey({ id: useCase.id });
  const setMedia = (list: MediaList) =>
    queryClient.setQueryData(key, (old) => {
      if (!old) return old;
      const media = list.map((m) => {
        const known = m.status === "pending" ? announced.get(m.fileId) : undefined;
        return known ? { ...known, caption: m.caption } : m;
      });
      return { ...old, media, cover: media[0] ?? null };
    });
  useMyEvents((event) => {
    if (event.type !== "media.status") return;
    announced.set(event.asset.fileId, event.asset);
    const current = queryClient.getQueryData(key);
    if (current?.media.some((m) => m.fileId === event.asset.fileId)) setMedia(current.media);
  });
  const options = { onSuccess: setMedia, onError: (e: unknown) => setError(errorText(t, e, "useCases")) };
  const add = useMutation(trpc.useCases.addMedia.mutationOptions(options));
  const remove = useMutation(trpc.useCases.removeMedia.mutationOptions(options));
  const reorder = useMutation(trpc.useCases.reorderMedia.mutationOptions(options));

  // Uploads say their own errors on their own line (not again above the list).
  const attach = useMutation(trpc.useCases.addMedia.mutationOptions({ onSuccess: setMedia }));
  const discard = useMutation(trpc.files.delete.mutationOptions());

  const change = (k: string, patch: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === k ? { ...u, ...patch } : u)));
  /** Uploaded all at once, attached in the order chosen: the first one chosen is the cover. */
  const sendAll = async (files: File[]) => {
    const sending = files.map((file) => {
      const k = randomId();
      setUploads((list) => [...list, { key: k, name: file.name, progress: 0, error: null }]);
      const uploaded = uploadFile(file, { onProgress: (progress) => change(k, { progress }) });
      uploaded.catch(() => undefined); // said in its turn below
      return { k, uploaded };
    });
    for (const { k, uploaded } of sending) {
      let fileId: string | null = null;
      try {
        fileId = (await uploaded).id;
        await attach.mutateAsync({ id: useCase.id, fileId, caption: "" });
        setUploads((list) => list.filter((u) => u.key !== k));
      } catch (e) {
        // The server's reason for the file (e.g. not an image or a video), else the general sentence.
        const [issue] = errorInfo(e).issues;
        change(k, { error: issue ? issueText(t, issue) : errorText(t, e, "useCases") });
        // A file the use case refused is of no use: it does not stay behind in the uploads.
        if (fileId) discard.mutate({ id: fileId });
      }
    }
  };
  const move = (index: number, by: -1 | 1) => {
    const ids = useCase.media.map((m) => m.fileId);
    const [moved] = ids.splice(index, 1);
    if (!moved) return;
    ids.splice(index + by, 0, moved);
    setError(null);
    reorder.mutate({ id: useCase.id, fileIds: ids });
  };

  return (
    <fieldset className="uc-fieldset">
      <legend>{t("useCases.section.media")}</legend>
      <div className="field">
        <label htmlFor={inputId}>{t("useCases.media.add")}</label>
        <input
          id={inputId}
          type="file"
          accept="image/*,video/*"
          multiple
          aria-describedby={`${inputId}-hint`}
          onChange={(e) => {
            void sendAll([...(e.target.files ?? [])]);
            e.target.value = "";
          }}
        />
        <small id={`${inputId}-hint`} className="hint">
          {t("useCases.media.hint")}
        </small>
      </div>
      {uploads.length > 0 && (
        <ul className="uc-plain">
          {uploads.map((u) => (
            <li key={u.key} className="uc-upload">
              <span>{u.name}</span>
              {u.error ? (
                <span role="alert" className="form-error">
                  {u.error}
                </span>
              ) : (
                <progress max={1} value={u.progress} aria-label={t("useCases.media.uploading", { name: u.name })} />
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {useCase.media.length > 0 && (
        <ol className="uc-plain uc-media-list">
          {useCase.media.map((m, i) => (
            <li key={m.fileId}>
              <Thumbnail asset={m} />
              <div className="stack">
                <p aria-live="polite">
                  {i === 0 && <strong>{t("useCases.media.cover")} · </strong>}
                  {m.status === "ready"
                    ? t("useCases.media.ready")
                    : m.status === "failed"
                      ? `${t("useCases.media.failed")} ${m.error ?? ""}`
                      : t("useCases.media.processing")}
                </p>
                <Caption
                  key={m.caption}
                  n={i + 1}
                  caption={m.caption}
                  onSave={(caption) => add.mutate({ id: useCase.id, fileId: m.fileId, caption })}
                />
                <div className="row uc-media-actions">
                  <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>
                    {t("useCases.media.earlier", { n: i + 1 })}
                  </button>
                  <button type="button" disabled={i === useCase.media.length - 1} onClick={() => move(i, 1)}>
                    {t("useCases.media.later", { n: i + 1 })}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => remove.mutate({ id: useCase.id, fileId: m.fileId })}
                  >
                    {t("useCases.media.remove", { n: i + 1 })}
                  </button>
                </div>
              </div>
            </li>
          ))}
        </ol>
      )}
    </fieldset>
  );
}

/** A caption, saved when it changed and the field is left. */
function Caption({ n, caption, onSave }: { n: number; caption: string; onSave(caption: string): void }) {
  const { t } = useI18n();
  const id = useId();
  const [value, setValue] = useState(caption);
  return (
    <div className="field">
      <label htmlFor={id}>{t("useCases.media.caption", { n })}</label>
      <input
        id={id}
        value={value}
        maxLength={300}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => value.trim() !== caption && onSave(value.trim())}
      />
    </div>
  );
}
