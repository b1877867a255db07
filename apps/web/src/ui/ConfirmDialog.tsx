import { useState } from "react";
import { useT } from "../i18n";
import { Dialog } from "./Dialog";
import { errorText } from "./errors";

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will happen, in a sentence or two. */
  body: string;
  /** The confirm button's words (the action itself, e.g. "Block"), and whether it is destructive. */
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<unknown>;
  onClose(): void;
  /** Looks up `<feature>.error.<APP_CODE>` first when the action fails. */
  feature?: string;
}

/** "Are you sure?" before an action: it runs on confirm, closes when it succeeded, shows why it failed. */
export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
  feature,
}: ConfirmDialogProps) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
    } catch (e) {
      setError(errorText(t, e, feature));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title={title} onClose={close}>
      <p>{body}</p>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={close}>
          {t("action.cancel")}
        </button>
        <button type="button" className={danger ? "danger" : "primary"} disabled={busy} onClick={confirm}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
