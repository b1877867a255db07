import type { RouterOutputs } from "@p2p/client";
import { useI18n, useT } from "../../i18n";
import { fileUrl } from "./media";
import { OutcomeFigures } from "./UseCaseCard";

type UseCase = RouterOutputs["useCases"]["get"];
type Media = UseCase["media"][number];

/**
 * The body of a use case (problem, solution, outcomes, vendor, photos and videos, place), under
 * headings of `level`: the detail page (h2) and the submission's review step (h3) show the same.
 */
export function UseCaseSections({ useCase, level }: { useCase: UseCase; level: 2 | 3 }) {
  const { t, format } = useI18n();
  const H = level === 2 ? "h2" : "h3";
  const { outcomes, vendor, location } = useCase;
  return (
    <div className="uc-sections">
      <section>
        <H>{t("useCases.field.problem")}</H>
        <p className="uc-text">{useCase.problem || t("useCases.notGiven")}</p>
      </section>
      <section>
        <H>{t("useCases.field.solution")}</H>
        <p className="uc-text">{useCase.solution || t("useCases.notGiven")}</p>
      </section>
      <section>
        <H>{t("useCases.section.outcomes")}</H>
        {outcomes ? <OutcomeFigures outcomes={outcomes} /> : <p>{t("useCases.notGiven")}</p>}
        {outcomes && outcomes.metrics.length > 0 && (
          <table className="uc-metrics">
            <caption className="visually-hidden">{t("useCases.field.metrics")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("useCases.field.metricLabel")}</th>
                <th scope="col">{t("useCases.field.metricValue")}</th>
              </tr>
            </thead>
            <tbody>
              {outcomes.metrics.map((m, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: metrics have no id; their order is fixed
                <tr key={i}>
                  <th scope="row">{m.label}</th>
                  <td>
                    {format.number(m.value)} {m.unit}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <H>{t("useCases.section.vendor")}</H>
        {vendor ? (
          <dl className="uc-facts">
            <dt>{t("useCases.field.vendorName")}</dt>
            <dd>{vendor.name}</dd>
            {vendor.website && (
              <>
                <dt>{t("useCases.field.vendorWebsite")}</dt>
                <dd>
                  <a href={vendor.website} target="_blank" rel="noopener noreferrer">
                    {vendor.website}
                  </a>
                </dd>
              </>
            )}
            {vendor.contactName && (
              <>
                <dt>{t("useCases.field.vendorContact")}</dt>
                <dd>{vendor.contactName}</dd>
              </>
            )}
            {vendor.email && (
              <>
                <dt>{t("useCases.field.vendorEmail")}</dt>
                <dd>
                  <a href={`mailto:${vendor.email}`}>{vendor.email}</a>
                </dd>
              </>
            )}
            {vendor.phone && (
              <>
                <dt>{t("useCases.field.vendorPhone")}</dt>
                <dd>
                  <a href={`tel:${vendor.phone}`}>{vendor.phone}</a>
                </dd>
              </>
            )}
          </dl>
        ) : (
          <p>{t("useCases.notGiven")}</p>
        )}
        {useCase.vendorContactHidden && <p className="muted">{t("useCases.vendor.contactHidden")}</p>}
      </section>
      <section>
        <H>{t("useCases.section.media")}</H>
        {useCase.media.length ? (
          <ul className="uc-gallery uc-plain">
            {useCase.media.map((m, i) => (
              <li key={m.fileId}>
                <MediaFigure media={m} fallbackAlt={t("useCases.media.alt", { n: i + 1, title: useCase.title })} />
              </li>
            ))}
          </ul>
        ) : (
          <p>{t("useCases.media.none")}</p>
        )}
      </section>
      <section>
        <H>{t("useCases.section.location")}</H>
        {location ? (
          <p>
            {useCase.city}, {useCase.country}{" "}
            <a
              href={`https://www.openstreetmap.org/?mlat=${location.lat}&mlon=${location.lng}#map=11/${location.lat}/${location.lng}`}
              target="_blank"
              rel="noopener noreferrer"
            >
              {t("useCases.location.map")}
            </a>
          </p>
        ) : (
          <p>{t("useCases.notGiven")}</p>
        )}
      </section>
    </div>
  );
}

/** A processed photo (its display copy) or video (with its poster); a note while it is processed or if it failed. */
export function MediaFigure({ media, fallbackAlt }: { media: Media; fallbackAlt: string }) {
  const t = useT();
  const alt = media.caption || fallbackAlt;
  return (
    <figure className="uc-figure">
      {media.status === "pending" && <p className="uc-thumb uc-thumb-blank">{t("useCases.media.processing")}</p>}
      {media.status === "failed" && <p className="uc-thumb uc-thumb-blank form-error">{t("useCases.media.failed")}</p>}
      {media.status === "ready" && media.kind === "image" && (
        <img
          src={fileUrl(media.displayFileId ?? media.fileId)}
          alt={alt}
          width={media.width ?? undefined}
          height={media.height ?? undefined}
          loading="lazy"
        />
      )}
      {media.status === "ready" && media.kind === "video" && (
        // biome-ignore lint/a11y/useMediaCaption: people's own clips have no caption track; the figure's caption names them
        <video
          controls
          preload="none"
          src={fileUrl(media.fileId)}
          poster={media.posterFileId ? fileUrl(media.posterFileId) : undefined}
          aria-label={alt}
        />
      )}
      {media.caption && <figcaption>{media.caption}</figcaption>}
    </figure>
  );
}
