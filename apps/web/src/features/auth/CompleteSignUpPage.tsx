import { CompleteSignUpInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { Field, FormError, useZodForm } from "../../ui/form";
import { AuthCard, MissingToken, useEnterSession, useLinkToken } from "./link";

/** The emailed sign-up link: the password chosen at sign-up proves it is the same person; then signed in. */
export default function CompleteSignUpPage() {
  const t = useT();
  const token = useLinkToken();
  if (!token) return <MissingToken title={t("auth.completeSignUp.title")} />;
  return <CompleteSignUpForm token={token} />;
}

function CompleteSignUpForm({ token }: { token: string }) {
  const t = useT();
  const trpc = useTRPC();
  const enter = useEnterSession();
  const complete = useMutation(trpc.auth.completeSignUp.mutationOptions());
  const form = useZodForm({
    schema: CompleteSignUpInput.pick({ password: true }),
    initial: { password: "" },
    feature: "auth",
    onSubmit: async ({ password }) => enter(await complete.mutateAsync({ token, password, tokenType: "cookie" })),
  });
  return (
    <AuthCard title={t("auth.completeSignUp.title")}>
      <p>{t("auth.completeSignUp.help")}</p>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <Field
          label={t("auth.field.password")}
          type="password"
          autoComplete="current-password"
          {...form.field("password")}
        />
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("auth.completeSignUp.submit")}
        </button>
      </form>
    </AuthCard>
  );
}
