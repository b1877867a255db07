import { useState } from "react";
import { useT } from "../../i18n";
import { Field } from "../../ui/form";

/** "maintenance, Pumps ,," → ["maintenance", "Pumps"]; the schema lower-cases and checks each. */
const parseTags = (raw: string) =>
  raw
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);

/**
 * A topic's tags typed as one line, separated by commas. `error` is the form's for `tags` or any
 * one tag (a bad tag is reported at its index, "tags.1").
 */
export function TagsField({
  initial,
  error,
  onChange,
}: {
  initial: string[];
  error: string | undefined;
  onChange(tags: string[]): void;
}) {
  const t = useT();
  const [text, setText] = useState(initial.join(", "));
  return (
    <Field
      label={t("forums.field.tags")}
      name="tags"
      value={text}
      hint={t("forums.field.tagsHint")}
      error={error}
      onChange={(raw) => {
        setText(raw);
        onChange(parseTags(raw));
      }}
    />
  );
}
