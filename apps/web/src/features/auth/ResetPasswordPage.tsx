import { ResetPasswordInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { FormError, useZodForm } from "../../ui/form";
import { AuthCard, MissingToken, useLinkToken } from "./link";
import { NewPasswordField } from "./NewPasswordField";

/** The emailed reset link: a new password; every session ends, so the next step is signing in. */
export default function ResetPasswordPage() {
  const t = useT();
  const token = useLinkToken();
  if (!token) return <MissingToken title={t("auth.reset.title")} />;
  return <ResetPasswordForm token={token} />;
}

function ResetPasswordForm({ token }: { token: string }) {
  const t = useT();
  const trpc = useTRPC();
  const [done, setDone] = useState(false);
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions());
  const form = useZodForm({
    schema: ResetPasswordInput.pick({ password: true }),
    initial: { password: "" },
    feature: "auth",
    onSubmit: async ({ password }) => {
      await reset.mutateAsync({ token, password });
      setDone(true);
    },
  });
  return (
    <AuthCard title={t("auth.reset.title")}>
      {done ? (
        <>
          <p role="status">{t("auth.reset.done")}</p>
          <p>
            <Link href="/sign-in">{t("auth.signIn.title")}</Link>
          </p>
        </>
      ) : (
        <form onSubmit={form.submit} noValidate>
          <FormError message={form.formError} />
          <NewPasswordField label="auth.field.newPassword" {...form.field("password")} />
          <button type="submit" className="primary" disabled={form.submitting}>
            {t("auth.reset.submit")}
          </button>
        </form>
      )}
    </AuthCard>
  );
}
