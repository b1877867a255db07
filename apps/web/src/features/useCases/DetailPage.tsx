import type { RouterOutputs } from "@p2p/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useParams } from "wouter";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n } from "../../i18n";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { PageHeading } from "../../ui/PageHeading";
import { QueryState } from "../../ui/states";
import { ExportButton } from "./ExportButton";
import { UseCaseCard } from "./UseCaseCard";
import { UseCaseSections } from "./UseCaseSections";

type UseCase = RouterOutputs["useCases"]["get"];

export default function DetailPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const useCase = useQuery(trpc.useCases.get.queryOptions({ id }));
  return (
    <QueryState query={useCase} feature="useCases">
      {(uc) => <UseCaseView useCase={uc} />}
    </QueryState>
  );
}

function UseCaseView({ useCase }: { useCase: UseCase }) {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const session = useSession();
  const exportPdf = useMutation(trpc.useCases.exportPdf.mutationOptions());
  const { owner } = useCase;
  return (
    <article className="uc-detail">
      <header className="uc-header">
        <div>
          <PageHeading title={useCase.title || t("useCases.untitled")} />
          <p className="muted">
            {useCase.publishedAt
              ? t("useCases.detail.published", { date: format.date(useCase.publishedAt) })
              : t("useCases.detail.saved", { when: format.relative(useCase.updatedAt) })}
            {" · "}
            {t("useCases.detail.views", { count: useCase.viewCount })}
          </p>
        </div>
        <div className="uc-actions">
          {useCase.can.edit && (
            <Link href={`/use-cases/${useCase.id}/edit`} className="uc-action">
              {useCase.status === "draft" ? t("useCases.detail.continue") : t("action.edit")}
            </Link>
          )}
          <ExportButton label={t("useCases.export.pdf")} start={() => exportPdf.mutateAsync({ id: useCase.id })} />
          {useCase.can.delete && <DeleteUseCase id={useCase.id} />}
        </div>
      </header>
      {useCase.status !== "published" && (
        <p className="notice">
          {t(`useCases.status.${useCase.status}`)}
          {useCase.archivedReason && `: ${useCase.archivedReason}`}
        </p>
      )}
      <p className="uc-lead">{useCase.summary}</p>
      <dl className="uc-facts">
        {useCase.industry && (
          <>
            <dt>{t("useCases.field.industry")}</dt>
            <dd>{t(`industry.${useCase.industry}`)}</dd>
          </>
        )}
        {useCase.technologies.length > 0 && (
          <>
            <dt>{t("useCases.field.technologies")}</dt>
            <dd>{useCase.technologies.join(", ")}</dd>
          </>
        )}
        {useCase.tags.length > 0 && (
          <>
            <dt>{t("useCases.field.tags")}</dt>
            <dd>{useCase.tags.join(", ")}</dd>
          </>
        )}
        <dt>{t("useCases.detail.author")}</dt>
        <dd>
          {owner.firstName} {owner.lastName}
          {owner.title && `, ${owner.title}`} · {useCase.organization.name}
          {owner.id !== session.user.id && (
            <>
              {" · "}
              <Link href={`/messages/${owner.id}`}>{t("useCases.detail.message")}</Link>
            </>
          )}
        </dd>
      </dl>
      <UseCaseSections useCase={useCase} level={2} />
      {useCase.related.length > 0 && (
        <section>
          <h2>{t("useCases.detail.related")}</h2>
          <ul className="grid uc-plain">
            {useCase.related.map((r) => (
              <li key={r.id}>
                <UseCaseCard useCase={r} heading="h3" />
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

/** Delete (restorable for 30 days by its author or their admin), after a confirmation. */
function DeleteUseCase({ id }: { id: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const remove = useMutation(trpc.useCases.delete.mutationOptions());
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t("action.delete")}
      </button>
      <ConfirmDialog
        open={open}
        title={t("useCases.delete.title")}
        body={t("useCases.delete.body")}
        confirmLabel={t("action.delete")}
        danger
        feature="useCases"
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          await remove.mutateAsync({ id });
          await Promise.all([
            queryClient.invalidateQueries(trpc.useCases.list.pathFilter()),
            queryClient.invalidateQueries(trpc.useCases.listDeleted.pathFilter()),
          ]);
          navigate("/use-cases", { replace: true });
        }}
      />
    </>
  );
}
