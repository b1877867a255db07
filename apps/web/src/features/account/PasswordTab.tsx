import { ChangePasswordInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { Field, FormError, useZodForm } from "../../ui/form";

export function PasswordTab() {
  const t = useT();
  const trpc = useTRPC();
  const change = useMutation(trpc.users.changePassword.mutationOptions());
  const [done, setDone] = useState(false);
  const form = useZodForm({
    schema: ChangePasswordInput,
    initial: { current: "", next: "" },
    feature: "account",
    onSubmit: async (input) => {
      setDone(false);
      await change.mutateAsync(input);
      form.set("current", "");
      form.set("next", "");
      setDone(true);
    },
  });
  return (
    <form onSubmit={form.submit} noValidate>
      <FormError message={form.formError} />
      {done && <p role="status">{t("account.password.done")}</p>}
      <Field
        label={t("account.field.current")}
        type="password"
        autoComplete="current-password"
        {...form.field("current")}
      />
      <Field
        label={t("account.field.next")}
        type="password"
        autoComplete="new-password"
        hint={t("account.password.hint")}
        {...form.field("next")}
      />
      <button type="submit" className="primary" disabled={form.submitting}>
        {t("account.password.submit")}
      </button>
    </form>
  );
}
