import { SignInInput } from "@p2p/schemas";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { errorInfo } from "../../ui/errors";
import { Field, FormError, useZodForm } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { useEnterSession } from "./link";

/** Where to go after signing in: only a path of this app, never another site. */
export function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export default function SignInPage() {
  const t = useT();
  const trpc = useTRPC();
  const enter = useEnterSession();
  const [params] = useSearchParams();
  const [secondStep, setSecondStep] = useState<"totp" | "recovery" | null>(null);
  const signIn = useMutation(trpc.auth.signIn.mutationOptions());
  const form = useZodForm({
    schema: SignInInput,
    initial: { email: "", password: "" },
    feature: "auth",
    onSubmit: async (input) => {
      try {
        enter(await signIn.mutateAsync({ ...input, tokenType: "cookie" }), safeNext(params.get("next")));
      } catch (error) {
        const { appCode } = errorInfo(error);
        if (appCode === "TOTP_REQUIRED" && !secondStep) {
          setSecondStep("totp");
          return;
        }
        // The password was right a moment ago: at this step the server's "wrong credentials" means the code.
        if (appCode === "INVALID_CREDENTIALS" && secondStep) {
          form.setFormError(t("auth.signIn.codeWrong"));
          return;
        }
        throw error;
      }
    },
  });
  return (
    <section className="card">
      <PageHeading title={secondStep ? t("auth.signIn.totpTitle") : t("auth.signIn.title")} />
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        {!secondStep && (
          <>
            <Field label={t("auth.field.email")} type="email" autoComplete="username" {...form.field("email")} />
            <Field
              label={t("auth.field.password")}
              type="password"
              autoComplete="current-password"
              {...form.field("password")}
            />
          </>
        )}
        {secondStep === "totp" && (
          <>
            <p>{t("auth.signIn.totpHelp")}</p>
            <Field
              label={t("auth.field.totpCode")}
              inputMode="numeric"
              autoComplete="one-time-code"
              {...form.field("totpCode")}
            />
            <button
              type="button"
              className="link"
              onClick={() => {
                form.set("totpCode", "");
                setSecondStep("recovery");
              }}
            >
              {t("auth.signIn.useRecovery")}
            </button>
          </>
        )}
        {secondStep === "recovery" && <Field label={t("auth.field.recoveryCode")} {...form.field("recoveryCode")} />}
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("auth.signIn.submit")}
        </button>
      </form>
      <p>
        <Link href="/forgot-password">{t("auth.signIn.forgot")}</Link>
      </p>
      <p>
        <Link href="/sign-up">{t("auth.signIn.noAccount")}</Link>
      </p>
    </section>
  );
}
