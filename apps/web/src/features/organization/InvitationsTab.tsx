import { CreateInvitationInput, Role } from "@p2p/schemas";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { type MessageKey, useI18n } from "../../i18n";
import { errorText } from "../../ui/errors";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { Empty, QueryState } from "../../ui/states";

export function InvitationsTab() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.invitations.list.pathKey() });
  const list = useInfiniteQuery(
    trpc.invitations.list.infiniteQueryOptions({}, { getNextPageParam: (page) => page.nextCursor }),
  );
  const create = useMutation(trpc.invitations.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.invitations.revoke.mutationOptions({ onSuccess: refresh }));
  const form = useZodForm({
    schema: CreateInvitationInput,
    initial: { email: "", role: "member" },
    feature: "organization",
    onSubmit: async (input) => {
      setSentTo(null);
      const invitation = await create.mutateAsync(input);
      form.set("email", "");
      setSentTo(invitation.email);
    },
  });
  const roleOptions = Role.options.map((r) => ({ value: r, label: t(`organization.role.${r}` as MessageKey) }));
  // A new invitation to the same address replaces the open one: that is how a link is sent again.
  const resend = (email: string, role: (typeof Role.options)[number]) =>
    create.mutate({ email, role }, { onSuccess: () => setSentTo(email) });
  const failed = create.error ?? revoke.error;
  return (
    <>
      <h3>{t("organization.invitations.new")}</h3>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <div className="row">
          <Field label={t("organization.field.email")} type="email" autoComplete="off" {...form.field("email")} />
          <SelectField label={t("organization.field.role")} options={roleOptions} {...form.field("role")} />
        </div>
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("organization.invitations.send")}
        </button>
      </form>
      <p role="status">{sentTo ? t("organization.invitations.sent", { email: sentTo }) : null}</p>
      <h3>{t("organization.invitations.list")}</h3>
      {failed && !form.formError && (
        <p role="alert" className="form-error">
          {errorText(t, failed, "organization")}
        </p>
      )}
      <QueryState query={list} feature="organization">
        {({ pages }) => {
          const items = pages.flatMap((p) => p.items);
          return items.length === 0 ? (
            <Empty>{t("organization.invitations.none")}</Empty>
          ) : (
            <table className="org-table">
              <thead>
                <tr>
                  <th scope="col">{t("organization.field.email")}</th>
                  <th scope="col">{t("organization.field.role")}</th>
                  <th scope="col">{t("organization.invitations.status")}</th>
                  <th scope="col">{t("organization.invitations.sentAt")}</th>
                  <th scope="col">{t("organization.invitations.expires")}</th>
                  <th scope="col">{t("organization.invitations.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id}>
                    <td>{i.email}</td>
                    <td>{t(`organization.role.${i.role}` as MessageKey)}</td>
                    <td>{t(`organization.invitation.${i.status}` as MessageKey)}</td>
                    <td>{format.date(i.createdAt)}</td>
                    <td>{format.date(i.expiresAt)}</td>
                    <td>
                      {(i.status === "pending" || i.status === "expired") && (
                        <button type="button" onClick={() => resend(i.email, i.role)} disabled={create.isPending}>
                          {t("organization.invitations.resend")}
                        </button>
                      )}
                      {i.status === "pending" && (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => revoke.mutate({ id: i.id })}
                          disabled={revoke.isPending}
                        >
                          {t("organization.invitations.revoke")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryState>
      <LoadMore query={list} feature="organization" />
    </>
  );
}
