import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { errorText } from "../../ui/errors";
import { QueryState } from "../../ui/states";
import { describeUserAgent } from "./userAgent";

export function SessionsTab() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.list.queryOptions());
  const revoke = useMutation(
    trpc.auth.sessions.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.list.queryKey() }),
    }),
  );
  const everywhere = useMutation(trpc.auth.signOutEverywhere.mutationOptions());
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <p>{t("account.sessions.help")}</p>
      {revoke.isError && (
        <p role="alert" className="form-error">
          {errorText(t, revoke.error, "account")}
        </p>
      )}
      <QueryState query={sessions} feature="account">
        {({ items }) => (
          <ul className="list">
            {items.map((s) => {
              const device = describeUserAgent(s.userAgent);
              return (
                <li key={s.id} className="account-session">
                  <div>
                    <strong>
                      {device ? t("account.sessions.device", device) : t("account.sessions.unknownDevice")}
                    </strong>
                    {s.current && <span className="account-badge">{t("account.sessions.current")}</span>}
                    <p className="muted">
                      {t("account.sessions.details", {
                        created: format.dateTime(s.createdAt),
                        used: format.relative(s.lastUsedAt),
                        ip: s.ip ?? t("account.sessions.noIp"),
                      })}
                    </p>
                  </div>
                  {!s.current && (
                    <button
                      type="button"
                      onClick={() => revoke.mutate({ id: s.id })}
                      disabled={revoke.isPending && revoke.variables?.id === s.id}
                    >
                      {t("account.sessions.revoke")}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        {t("account.sessions.everywhere")}
      </button>
      <ConfirmDialog
        open={confirming}
        title={t("account.sessions.everywhere")}
        body={t("account.sessions.everywhereBody")}
        confirmLabel={t("account.sessions.everywhere")}
        danger
        feature="account"
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          await everywhere.mutateAsync();
          // A fresh page: no cache or socket of the ended session stays behind.
          window.location.assign("/sign-in");
        }}
      />
    </>
  );
}
