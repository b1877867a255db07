import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { errorText } from "../../ui/errors";
import { Loading } from "../../ui/states";
import { AuthCard, MissingToken, useLinkToken } from "./link";

/** The emailed verification link: confirms the address as soon as it opens (the token is single-use). */
export default function VerifyEmailPage() {
  const t = useT();
  const token = useLinkToken();
  const trpc = useTRPC();
  const verify = useMutation(trpc.auth.verifyEmail.mutationOptions());
  const { mutate } = verify;
  const sent = useRef(false);
  useEffect(() => {
    // Once per page: a second call with the used token would answer "invalid link".
    if (!token || sent.current) return;
    sent.current = true;
    mutate({ token });
  }, [token, mutate]);
  if (!token) return <MissingToken title={t("auth.verifyEmail.title")} />;
  return (
    <AuthCard title={t("auth.verifyEmail.title")}>
      {verify.isSuccess ? (
        <p role="status">{t("auth.verifyEmail.done")}</p>
      ) : verify.isError ? (
        <p role="alert" className="form-error">
          {errorText(t, verify.error, "auth")}
        </p>
      ) : (
        <Loading />
      )}
      <p>
        <Link href="/">{t("auth.continue")}</Link>
      </p>
    </AuthCard>
  );
}
