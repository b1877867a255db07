import type { DeletedUseCase } from "@p2p/schemas";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n } from "../../i18n";
import { errorText } from "../../ui/errors";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";

/**
 * /use-cases/deleted: the caller's use cases deleted within the restore window (their
 * organization's too for an admin), newest first, each with "Restore".
 */
export default function DeletedPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [restored, setRestored] = useState<{ id: string; title: string } | null>(null);
  const list = useInfiniteQuery(
    trpc.useCases.listDeleted.infiniteQueryOptions({}, { getNextPageParam: (page) => page.nextCursor }),
  );
  const restore = useMutation(
    trpc.useCases.restore.mutationOptions({
      onSuccess: async (useCase) => {
        setRestored({ id: useCase.id, title: useCase.title || t("useCases.untitled") });
        await Promise.all([
          queryClient.invalidateQueries(trpc.useCases.listDeleted.pathFilter()),
          queryClient.invalidateQueries(trpc.useCases.list.pathFilter()),
        ]);
      },
    }),
  );
  return (
    <section>
      <PageHeading title={t("useCases.deleted.title")} />
      <p className="muted">{t("useCases.deleted.intro")}</p>
      <p role="status">
        {restored && (
          <>
            {t("useCases.deleted.restored", { title: restored.title })}{" "}
            <Link href={`/use-cases/${restored.id}`}>{t("useCases.deleted.open")}</Link>
          </>
        )}
      </p>
      {restore.isError && (
        <p role="alert" className="form-error">
          {errorText(t, restore.error, "useCases")}
        </p>
      )}
      <QueryState query={list} feature="useCases">
        {(data) => {
          const items = data.pages.flatMap((p) => p.items);
          if (!items.length) return <Empty>{t("useCases.deleted.empty")}</Empty>;
          return (
            <>
              <ul className="list">
                {items.map((useCase) => (
                  <DeletedItem
                    key={useCase.id}
                    useCase={useCase}
                    restoring={restore.isPending && restore.variables?.id === useCase.id}
                    onRestore={() => restore.mutate({ id: useCase.id })}
                  />
                ))}
              </ul>
              <LoadMore query={list} feature="useCases" />
            </>
          );
        }}
      </QueryState>
      <p>
        <Link href="/use-cases">{t("useCases.deleted.back")}</Link>
      </p>
    </section>
  );
}

function DeletedItem({
  useCase,
  restoring,
  onRestore,
}: {
  useCase: DeletedUseCase;
  restoring: boolean;
  onRestore(): void;
}) {
  const { t, format } = useI18n();
  const session = useSession();
  const titleId = `deleted-${useCase.id}`;
  const { owner } = useCase;
  return (
    <li>
      <strong id={titleId}>{useCase.title || t("useCases.untitled")}</strong>{" "}
      <span className="muted">({t(`useCases.status.${useCase.status}`)})</span>
      <p className="muted">
        {t("useCases.deleted.when", { when: format.relative(useCase.deletedAt) })}
        {owner.id !== session.user.id && ` · ${owner.firstName} ${owner.lastName}`}
        {" · "}
        {t("useCases.deleted.until", { date: format.date(useCase.restorableUntil) })}
      </p>
      {/* Its name is the use case's too: one of several "Restore" buttons read out alone says which. */}
      <button type="button" onClick={onRestore} disabled={restoring} aria-describedby={titleId}>
        {restoring ? t("state.saving") : t("useCases.deleted.restore")}
      </button>
    </li>
  );
}
