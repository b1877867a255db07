import type { RouterOutputs } from "@p2p/client";
import { Role } from "@p2p/schemas";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { type MessageKey, useI18n } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { errorText } from "../../ui/errors";
import { LoadMore } from "../../ui/LoadMore";
import { Empty, QueryState } from "../../ui/states";
import { MemberAvatar } from "./MemberAvatar";

type Member = RouterOutputs["organizations"]["members"]["items"][number];

const nextCursor = (page: { nextCursor: string | null }) => page.nextCursor;

/** Colleagues for everyone; admins also change roles, deactivate and reactivate. */
export function MembersTab() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { permissions } = useSession();
  const canManage = permissions.includes("users.manage");
  const [q, setQ] = useState("");
  const members = useInfiniteQuery(
    trpc.organizations.members.infiniteQueryOptions(q ? { q } : {}, { getNextPageParam: nextCursor }),
  );
  const manage = useManageMembers();
  return (
    <>
      <SearchForm onSearch={setQ} />
      {manage.error && (
        <p role="alert" className="form-error">
          {manage.error}
        </p>
      )}
      <QueryState query={members} feature="organization">
        {({ pages }) => {
          const items = pages.flatMap((p) => p.items);
          if (!items.length) return <Empty>{t("organization.members.none")}</Empty>;
          return (
            <ul className="list">
              {items.map((m) => (
                <MemberRow key={m.id} member={m} manage={canManage ? manage : null} />
              ))}
            </ul>
          );
        }}
      </QueryState>
      <LoadMore query={members} feature="organization" />
      {canManage && <DeactivatedMembers manage={manage} />}
    </>
  );
}

function SearchForm({ onSearch }: { onSearch(q: string): void }) {
  const { t } = useI18n();
  const id = useId();
  const [draft, setDraft] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(draft.trim());
  };
  return (
    <search>
      <form onSubmit={submit} className="row account-actions">
        <label htmlFor={id} className="visually-hidden">
          {t("organization.members.search")}
        </label>
        <input id={id} type="search" maxLength={100} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">{t("action.search")}</button>
      </form>
    </search>
  );
}

/** Role and status changes (users.update), the lists they refresh, and the last failure of a quick change. */
function useManageMembers() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const update = useMutation(
    trpc.users.update.mutationOptions({
      onMutate: () => setError(null),
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.organizations.members.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.users.list.pathKey() }),
        ]),
    }),
  );
  // Deactivation goes through a confirmation dialog, which shows its own failure.
  const quick = (input: { id: string; role?: Member["role"]; status?: "active" }) =>
    update.mutate(input, { onError: (e) => setError(errorText(t, e, "organization")) });
  const busy = (id: string) => update.isPending && update.variables?.id === id;
  return { update, quick, busy, error };
}
type Manage = ReturnType<typeof useManageMembers>;

function MemberRow({ member: m, manage }: { member: Member; manage: Manage | null }) {
  const { t, format } = useI18n();
  const { user } = useSession();
  const [confirming, setConfirming] = useState(false);
  const name = `${m.firstName} ${m.lastName}`;
  const isMe = m.id === user.id;
  const busy = manage?.busy(m.id);
  return (
    <li className="org-member">
      <MemberAvatar fileId={m.avatarFileId} firstName={m.firstName} lastName={m.lastName} />
      <div>
        <strong>{name}</strong> {isMe && <span className="muted">({t("organization.members.you")})</span>}
        {m.title && <div>{m.title}</div>}
        <div>
          <a href={`mailto:${m.email}`}>{m.email}</a>
        </div>
        <div className="muted">
          {m.lastActiveAt
            ? t("organization.members.lastActive", { when: format.relative(m.lastActiveAt) })
            : t("organization.members.neverActive")}
        </div>
      </div>
      {manage && !isMe ? (
        <>
          <label className="field">
            <span>{t("organization.members.roleFor", { name })}</span>
            <select
              value={m.role}
              disabled={busy}
              onChange={(e) => manage.quick({ id: m.id, role: e.target.value as Member["role"] })}
            >
              {Role.options.map((r) => (
                <option key={r} value={r}>
                  {t(`organization.role.${r}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
            {t("organization.members.deactivate")}
          </button>
          <ConfirmDialog
            open={confirming}
            title={t("organization.members.deactivateTitle", { name })}
            body={t("organization.members.deactivateBody")}
            confirmLabel={t("organization.members.deactivate")}
            danger
            feature="organization"
            onClose={() => setConfirming(false)}
            onConfirm={() => manage.update.mutateAsync({ id: m.id, status: "deactivated" })}
          />
        </>
      ) : (
        <span>{t(`organization.role.${m.role}` as MessageKey)}</span>
      )}
    </li>
  );
}

/** Admins only: deactivated members (users.list), to bring back. */
function DeactivatedMembers({ manage }: { manage: Manage }) {
  const { t } = useI18n();
  const headingId = useId();
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.users.list.infiniteQueryOptions({ status: "deactivated" }, { getNextPageParam: nextCursor }),
  );
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  if (list.error && !list.data) {
    return (
      <p role="alert" className="form-error">
        {errorText(t, list.error, "organization")}
      </p>
    );
  }
  // Nothing to bring back (or still loading): the section stays out of the way.
  if (!items.length) return null;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{t("organization.members.deactivated")}</h3>
      <ul className="list">
        {items.map((m) => (
          <li key={m.id} className="org-member">
            <MemberAvatar fileId={m.avatarFileId} firstName={m.firstName} lastName={m.lastName} />
            <div>
              <strong>
                {m.firstName} {m.lastName}
              </strong>
              <div>{m.email}</div>
            </div>
            <button
              type="button"
              disabled={manage.busy(m.id)}
              onClick={() => manage.quick({ id: m.id, status: "active" })}
            >
              {t("organization.members.reactivate")}
            </button>
          </li>
        ))}
      </ul>
      <LoadMore query={list} feature="organization" />
    </section>
  );
}
