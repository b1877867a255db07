import type { RouterOutputs } from "@p2p/client";
import { useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { PageHeading } from "../../ui/PageHeading";

/** The one-time token of an emailed link (`?token=`), or null when the link was cut short. */
export function useLinkToken(): string | null {
  const [params] = useSearchParams();
  return params.get("token") || null;
}

/** A card with the page's heading; every page before sign-in is one. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card">
      <PageHeading title={title} />
      {children}
    </section>
  );
}

/** What a link page shows when its token is missing from the address. */
export function MissingToken({ title }: { title: string }) {
  const t = useT();
  return (
    <AuthCard title={title}>
      <p role="alert" className="form-error">
        {t("auth.link.missing")}
      </p>
      <p>
        <Link href="/sign-in">{t("auth.backToSignIn")}</Link>
      </p>
    </AuthCard>
  );
}

/**
 * After a call that answered a new cookie session (sign-in, completed sign-up, accepted
 * invitation): the session goes into the cache `RequireSession` reads, then on to `to`.
 */
export function useEnterSession() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  return (session: RouterOutputs["auth"]["signIn"], to = "/") => {
    queryClient.setQueryData(trpc.auth.me.queryKey(), session);
    navigate(to, { replace: true });
  };
}
