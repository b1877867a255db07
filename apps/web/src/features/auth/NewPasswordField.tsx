import { useT } from "../../i18n";
import type { MessageKey } from "../../i18n/catalog";
import { Field } from "../../ui/form";

/** A password being chosen: the browser may suggest one, and the rule is shown under it. */
export function NewPasswordField({
  label = "auth.field.password",
  ...field
}: {
  label?: MessageKey;
  name: string;
  value: string;
  error?: string | undefined;
  onChange(value: string): void;
}) {
  const t = useT();
  return (
    <Field label={t(label)} type="password" autoComplete="new-password" hint={t("auth.passwordHint")} {...field} />
  );
}
