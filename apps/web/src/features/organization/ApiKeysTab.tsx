import type { RouterOutputs } from "@p2p/client";
import { CreateApiKeyInput, Role } from "@p2p/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTRPC } from "../../api";
import { type MessageKey, useI18n } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { Dialog } from "../../ui/Dialog";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { Empty, QueryState } from "../../ui/states";

type ApiKey = RouterOutputs["apiKeys"]["list"]["items"][number];

export function ApiKeysTab() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const list = useQuery(trpc.apiKeys.list.queryOptions());
  const create = useMutation(trpc.apiKeys.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));
  // The secret lives only in this state, while its dialog is open; the list never has it.
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const form = useZodForm({
    schema: CreateApiKeyInput,
    initial: { name: "", role: "member" },
    feature: "organization.apiKeys",
    onSubmit: async (input) => {
      const { name, key } = await create.mutateAsync(input);
      form.set("name", "");
      setCreated({ name, key });
    },
  });
  return (
    <>
      <p>{t("organization.apiKeys.help")}</p>
      <h3>{t("organization.apiKeys.new")}</h3>
      <form onSubmit={form.submit} noValidate>
        <FormError message={form.formError} />
        <div className="row">
          <Field
            label={t("organization.field.keyName")}
            hint={t("organization.field.keyNameHint")}
            autoComplete="off"
            {...form.field("name")}
          />
          <SelectField
            label={t("organization.field.role")}
            options={Role.options.map((r) => ({ value: r, label: t(`organization.role.${r}` as MessageKey) }))}
            {...form.field("role")}
          />
        </div>
        <button type="submit" className="primary" disabled={form.submitting}>
          {t("organization.apiKeys.create")}
        </button>
      </form>
      <h3>{t("organization.apiKeys.list")}</h3>
      <QueryState query={list} feature="organization">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>{t("organization.apiKeys.none")}</Empty>
          ) : (
            <table className="org-table">
              <thead>
                <tr>
                  <th scope="col">{t("organization.field.keyName")}</th>
                  <th scope="col">{t("organization.field.role")}</th>
                  <th scope="col">{t("organization.apiKeys.createdBy")}</th>
                  <th scope="col">{t("organization.apiKeys.created")}</th>
                  <th scope="col">{t("organization.apiKeys.lastUsed")}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t("organization.apiKeys.revoke")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td>{t(`organization.role.${k.role}` as MessageKey)}</td>
                    <td>{k.createdBy.name}</td>
                    <td>{format.date(k.createdAt)}</td>
                    <td>{k.lastUsedAt ? format.relative(k.lastUsedAt) : t("organization.apiKeys.never")}</td>
                    <td>
                      <button type="button" className="danger" onClick={() => setRevoking(k)}>
                        {t("organization.apiKeys.revoke")}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <Dialog open={created !== null} title={t("organization.apiKeys.createdTitle")} onClose={() => setCreated(null)}>
        {created && <ShownOnce secret={created.key} onDone={() => setCreated(null)} />}
      </Dialog>
      <ConfirmDialog
        open={revoking !== null}
        title={t("organization.apiKeys.revokeTitle", { name: revoking?.name ?? "" })}
        body={t("organization.apiKeys.revokeBody")}
        confirmLabel={t("organization.apiKeys.revoke")}
        danger
        feature="organization"
        onClose={() => setRevoking(null)}
        onConfirm={() => revoke.mutateAsync({ id: revoking?.id ?? "" })}
      />
    </>
  );
}

/** The new key, once: selectable text, a copy button, and a way out that forgets it. */
function ShownOnce({ secret, onDone }: { secret: string; onDone(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <>
      <p>{t("organization.apiKeys.once")}</p>
      <div className="field">
        <label htmlFor={id}>{t("organization.apiKeys.keyLabel")}</label>
        <input id={id} readOnly value={secret} className="org-key" onFocus={(e) => e.target.select()} />
      </div>
      <p role="status">{copied ? t("organization.apiKeys.copied") : null}</p>
      <div className="dialog-actions">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {t("organization.apiKeys.copy")}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t("organization.apiKeys.done")}
        </button>
      </div>
    </>
  );
}
