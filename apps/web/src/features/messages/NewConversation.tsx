import { SearchUsersInput } from "@p2p/schemas";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { Field, useZodForm } from "../../ui/form";
import { Empty, QueryState } from "../../ui/states";
import { PresenceDot } from "./presence";

/** "New message": find someone on the platform (users.search) and open the conversation with them. */
export function NewConversation() {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        {t("messages.new")}
      </button>
      <Dialog open={open} title={t("messages.new")} onClose={() => setOpen(false)}>
        <PeopleSearch onChosen={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function PeopleSearch({ onChosen }: { onChosen(): void }) {
  const t = useT();
  const trpc = useTRPC();
  const [q, setQ] = useState<string | null>(null);
  const form = useZodForm({
    schema: SearchUsersInput,
    initial: { q: "" },
    feature: "messages",
    onSubmit: async (input) => setQ(input.q),
  });
  const people = useQuery(trpc.users.search.queryOptions({ q: q ?? "", limit: 20 }, { enabled: q !== null }));
  return (
    <div className="stack">
      <form onSubmit={form.submit} noValidate className="messages-search">
        <Field label={t("messages.search.label")} hint={t("messages.search.hint")} type="search" {...form.field("q")} />
        <button type="submit">{t("action.search")}</button>
      </form>
      {q !== null && (
        <QueryState query={people} feature="messages">
          {({ items }) =>
            items.length === 0 ? (
              <Empty>{t("messages.search.none")}</Empty>
            ) : (
              <ul className="list">
                {items.map((person) => (
                  <li key={person.id}>
                    <PresenceDot status={person.presence.status} />{" "}
                    <Link href={`/messages/${person.id}`} onClick={onChosen}>
                      {person.firstName} {person.lastName}
                    </Link>{" "}
                    <span className="muted">
                      {[person.title, person.organization.name].filter(Boolean).join(" · ")}
                    </span>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      )}
    </div>
  );
}
