import { ListAuditInput } from "@p2p/schemas";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { Empty, QueryState } from "../../ui/states";

const Filters = ListAuditInput.pick({ action: true, actorId: true });
type Filters = { action?: string; actorId?: string };

export function AuditTab() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>({});
  const entries = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(filters, { getNextPageParam: (page) => page.nextCursor }),
  );
  // The people to filter by: the organization's members (a first page is plenty for a picker).
  const people = useQuery(trpc.organizations.members.queryOptions({ limit: 100 }));
  const names = new Map((people.data?.items ?? []).map((p) => [p.id, `${p.firstName} ${p.lastName}`]));
  // A colleague's name instead of their id where we know it.
  const targetText = (type: string | null, id: string | null) =>
    !type ? "" : type === "user" && id && names.has(id) ? names.get(id) : `${type} ${id ?? ""}`;
  const form = useZodForm({
    schema: Filters,
    initial: { action: "", actorId: "" },
    feature: "organization",
    onSubmit: async (input) => setFilters(input),
  });
  return (
    <>
      <form onSubmit={form.submit} noValidate className="row account-actions">
        <FormError message={form.formError} />
        <Field
          label={t("organization.field.action")}
          hint={t("organization.field.actionHint")}
          {...form.field("action")}
        />
        <SelectField
          label={t("organization.field.actor")}
          placeholder={t("organization.audit.anyone")}
          options={[...names].map(([value, label]) => ({ value, label }))}
          {...form.field("actorId")}
        />
        <button type="submit">{t("organization.audit.filter")}</button>
      </form>
      <QueryState query={entries} feature="organization">
        {({ pages }) => {
          const items = pages.flatMap((p) => p.items);
          if (!items.length) return <Empty>{t("organization.audit.none")}</Empty>;
          return (
            <table className="org-table">
              <thead>
                <tr>
                  <th scope="col">{t("organization.audit.when")}</th>
                  <th scope="col">{t("organization.audit.who")}</th>
                  <th scope="col">{t("organization.field.action")}</th>
                  <th scope="col">{t("organization.audit.target")}</th>
                  <th scope="col">{t("organization.audit.ip")}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td>{format.dateTime(e.createdAt)}</td>
                    <td>{e.actor?.name ?? t("organization.audit.system")}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{targetText(e.targetType, e.targetId)}</td>
                    <td>{e.ip ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryState>
      <LoadMore query={entries} feature="organization" />
    </>
  );
}
