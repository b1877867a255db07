import { useId, useState } from "react";
import { useT } from "../i18n";
import { errorInfo, errorText, issueText } from "./errors";
import { UploadError, uploadFile } from "./upload";

/** The image types the server accepts for avatars and logos. */
const IMAGE_TYPES = "image/png,image/jpeg,image/webp,image/gif";

interface ImageUploadProps {
  /** The current image's file id, if any. */
  fileId: string | null;
  /** Alternative text of the current image (e.g. "Your picture"). */
  alt: string;
  /** The file input's label ("Upload a new picture"). */
  chooseLabel: string;
  removeLabel: string;
  /** Stores the uploaded file as the image (e.g. users.updateMe, organizations.setLogo); null removes it. */
  onChange(fileId: string | null): Promise<unknown>;
  /** Looks up `<feature>.error.<APP_CODE>` first when something fails. */
  feature?: string;
}

/**
 * An image of one's own (avatar, logo): preview, a native file input that uploads at once with a
 * progress bar, and a remove button. Errors (too large, wrong type) are shown under it.
 */
export function ImageUpload({ fileId, alt, chooseLabel, removeLabel, onChange, feature }: ImageUploadProps) {
  const t = useT();
  const id = useId();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      // The server names the rule the image broke (type, size) as a field issue.
      const [issue] = errorInfo(e).issues;
      setError(issue ? issueText(t, issue) : errorText(t, e, feature));
    } finally {
      setProgress(null);
    }
  };

  const upload = (file: File) =>
    run(async () => {
      // Checked here too: another type would be stored, then refused as an image.
      if (!IMAGE_TYPES.split(",").includes(file.type)) {
        throw new UploadError(file.type, { appCode: "UNSUPPORTED_MEDIA_TYPE", httpStatus: 415 });
      }
      setProgress(0);
      const stored = await uploadFile(file, { onProgress: setProgress });
      await onChange(stored.id);
    });

  return (
    <div className="image-upload">
      {fileId ? <img src={`/files/${fileId}`} alt={alt} className="image-upload-preview" /> : null}
      <div className="field">
        <label htmlFor={id}>{chooseLabel}</label>
        <input
          id={id}
          type="file"
          accept={IMAGE_TYPES}
          disabled={progress !== null}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void upload(file);
          }}
        />
        {progress !== null && <progress value={progress} max={1} aria-label={chooseLabel} />}
        {error && (
          <small id={`${id}-error`} role="alert" className="field-error">
            {error}
          </small>
        )}
      </div>
      {fileId && (
        <button type="button" onClick={() => run(() => onChange(null))} disabled={progress !== null}>
          {removeLabel}
        </button>
      )}
    </div>
  );
}
