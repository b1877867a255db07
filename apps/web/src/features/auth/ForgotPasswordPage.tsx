import { RequestPasswordResetInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { Field, FormError, useZodForm } from "../../ui/form";
import { AuthCard } from "./link";

/** Asks for a reset link; the answer is the same whether or not the address has an account. */
export default function ForgotPasswordPage() {
  const t = useT();
  const trpc = useTRPC();
  const [sent, setSent] = useState(false);
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const form = useZodForm({
    schema: RequestPasswordResetInput,
    initial: { email: "" },
    feature: "auth",
    onSubmit: async (input) => {
      await request.mutateAsync(input);
      setSent(true);
    },
  });
  return (
    <AuthCard title={t("auth.forgot.title")}>
      {sent ? (
        <p role="status">{t("auth.forgot.sent")}</p>
      ) : (
        <>
          <p>{t("auth.forgot.help")}</p>
          <form onSubmit={form.submit} noValidate>
            <FormError message={form.formError} />
            <Field label={t("auth.field.email")} type="email" autoComplete="email" {...form.field("email")} />
            <button type="submit" className="primary" disabled={form.submitting}>
              {t("auth.forgot.submit")}
            </button>
          </form>
        </>
      )}
      <p>
        <Link href="/sign-in">{t("auth.backToSignIn")}</Link>
      </p>
    </AuthCard>
  );
}
