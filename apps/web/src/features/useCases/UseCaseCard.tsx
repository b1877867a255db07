import type { Outcomes, UseCaseSummary } from "@p2p/schemas";
import { Link } from "wouter";
import { useI18n } from "../../i18n";
import { Thumbnail } from "./media";

/** The headline figures of a use case's measured outcomes (cost, efficiency, payback), as a short list. */
export function OutcomeFigures({ outcomes }: { outcomes: Outcomes | null }) {
  const { t, format } = useI18n();
  if (!outcomes) return null;
  const figures = [
    outcomes.costSavingsPercent !== null &&
      t("useCases.outcome.costSavings", { value: format.number(outcomes.costSavingsPercent) }),
    outcomes.efficiencyGainPercent !== null &&
      t("useCases.outcome.efficiencyGain", { value: format.number(outcomes.efficiencyGainPercent) }),
    outcomes.roiMonths !== null && t("useCases.outcome.roiMonths", { count: outcomes.roiMonths }),
  ].filter((f): f is string => typeof f === "string");
  if (!figures.length) return null;
  return (
    <ul className="uc-figures">
      {figures.map((f) => (
        <li key={f}>{f}</li>
      ))}
    </ul>
  );
}

/** A use case in a grid: its first photo, title (the link), organization, place and outcomes. */
export function UseCaseCard({ useCase, heading: Heading }: { useCase: UseCaseSummary; heading: "h2" | "h3" }) {
  const { t, format } = useI18n();
  return (
    <article className="uc-card">
      <Thumbnail asset={useCase.cover} />
      <div className="uc-card-body">
        <Heading className="uc-card-title">
          <Link href={`/use-cases/${useCase.id}`}>{useCase.title || t("useCases.untitled")}</Link>
        </Heading>
        <p className="muted">
          {[
            useCase.organization.name,
            useCase.city,
            useCase.industry && t(`industry.${useCase.industry}`),
            useCase.distanceKm !== null && t("useCases.card.distance", { km: format.number(useCase.distanceKm) }),
          ]
            .filter(Boolean)
            .join(" · ")}
        </p>
        {useCase.status !== "published" && <p className="uc-status">{t(`useCases.status.${useCase.status}`)}</p>}
        <p className="uc-card-summary">{useCase.summary}</p>
        <OutcomeFigures outcomes={useCase.outcomes} />
      </div>
    </article>
  );
}
