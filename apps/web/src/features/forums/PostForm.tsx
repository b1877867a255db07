import { RichText } from "@p2p/schemas";
import { z } from "zod";
import { useT } from "../../i18n";
import { FormError, useZodForm } from "../../ui/form";
import { RichTextEditor } from "./RichTextEditor";

/** The body of a reply or an edit: the field createPost and updatePost check on the server too. */
const PostBody = z.object({ body: RichText });

interface PostFormProps {
  label: string;
  submitLabel: string;
  /** The body being edited ("" for a new reply). */
  initial?: string;
  onSubmit(body: string): Promise<unknown>;
  onCancel?(): void;
  onTyping?(): void;
  autoFocus?: boolean;
  labelHidden?: boolean;
}

/** A reply or an edit in the rich-text editor; a new reply's editor empties once it is posted. */
export function PostForm({
  label,
  submitLabel,
  initial = "",
  onSubmit,
  onCancel,
  onTyping,
  autoFocus,
  labelHidden,
}: PostFormProps) {
  const t = useT();
  const form = useZodForm({
    schema: PostBody,
    initial: { body: initial },
    feature: "forums",
    onSubmit: async ({ body }) => {
      await onSubmit(body);
      form.set("body", initial);
    },
  });
  const body = form.field("body");
  return (
    <form onSubmit={form.submit} noValidate className="forums-post-form">
      <FormError message={form.formError} />
      <RichTextEditor
        label={label}
        value={body.value}
        error={body.error}
        onChange={body.onChange}
        onInput={onTyping}
        autoFocus={autoFocus}
        labelHidden={labelHidden}
      />
      <div className="forums-actions">
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? t("state.saving") : submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t("action.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}
