import { Industry, type UseCaseLocation } from "@p2p/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useParams, useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { type MessageKey, useI18n, useT } from "../../i18n";
import { errorInfo, errorText, issueText } from "../../ui/errors";
import { Field, SelectField } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { CityPicker } from "./CityPicker";
import { MediaManager } from "./MediaManager";
import { StepForm, type UseCase } from "./StepForm";
import { BasicsStep, LocationStep, type MetricRow, ResultsStep, STEPS, StoryStep, stepOf } from "./steps";
import { UseCaseSections } from "./UseCaseSections";

/** /use-cases/new (step 1 of a new draft) and /use-cases/:id/edit?step=N (a draft or a published one). */
export default function SubmitPage() {
  const t = useT();
  const trpc = useTRPC();
  const { id } = useParams<{ id?: string }>();
  const [params] = useSearchParams();
  const step = Math.min(Math.max(Math.trunc(Number(params.get("step"))) || 1, 1), STEPS.length);
  const existing = useQuery(trpc.useCases.get.queryOptions({ id: id ?? "" }, { enabled: id !== undefined }));
  return (
    <>
      <PageHeading title={id ? t("useCases.submit.editTitle") : t("useCases.submit.newTitle")} />
      {id ? (
        <QueryState query={existing} feature="useCases">
          {(useCase) =>
            useCase.can.edit ? (
              <Wizard key={`${useCase.id}-${step}`} useCase={useCase} step={step} />
            ) : (
              <p role="alert" className="notice error">
                {t("error.FORBIDDEN")}
              </p>
            )
          }
        </QueryState>
      ) : (
        <>
          <Wizard useCase={null} step={1} />
          <MyDrafts />
        </>
      )}
    </>
  );
}

function Wizard({ useCase, step }: { useCase: UseCase | null; step: number }) {
  const t = useT();
  const name = STEPS[step - 1] ?? "basics";
  return (
    <>
      <nav aria-label={t("useCases.step.nav")}>
        <ol className="uc-steps">
          {STEPS.map((s, i) => (
            <li key={s}>
              {i + 1 === step ? (
                <span aria-current="step">{t(`useCases.step.${s}`)}</span>
              ) : useCase ? (
                <Link href={`/use-cases/${useCase.id}/edit?step=${i + 1}`}>{t(`useCases.step.${s}`)}</Link>
              ) : (
                <span className="muted">{t(`useCases.step.${s}`)}</span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <section className="card" aria-labelledby="uc-step-title">
        <h2 id="uc-step-title">
          {t("useCases.step.heading", { n: step, total: STEPS.length, name: t(`useCases.step.${name}`) })}
        </h2>
        {step === 1 && <Basics useCase={useCase} />}
        {useCase && step === 2 && <Story useCase={useCase} />}
        {useCase && step === 3 && <Results useCase={useCase} />}
        {useCase && step === 4 && (
          <>
            <MediaManager useCase={useCase} />
            <Location useCase={useCase} />
          </>
        )}
        {useCase && step === 5 && <Review useCase={useCase} />}
      </section>
    </>
  );
}

function Basics({ useCase }: { useCase: UseCase | null }) {
  const t = useT();
  return (
    <StepForm
      useCase={useCase}
      step={1}
      schema={BasicsStep}
      initial={{
        title: useCase?.title ?? "",
        summary: useCase?.summary ?? "",
        industry: useCase?.industry ?? undefined,
        technologies: useCase?.technologies.join(", ") ?? "",
        tags: useCase?.tags.join(", ") ?? "",
      }}
    >
      {(form) => (
        <>
          <Field label={t("useCases.field.title")} required {...form.field("title")} />
          <Field label={t("useCases.field.summary")} multiline {...form.field("summary")} />
          <SelectField
            label={t("useCases.field.industry")}
            placeholder={t("field.choose")}
            options={Industry.options.map((i) => ({ value: i, label: t(`industry.${i}`) }))}
            {...form.field("industry")}
          />
          <Field
            label={t("useCases.field.technologies")}
            hint={t("useCases.field.commaHint")}
            {...form.field("technologies")}
          />
          <Field label={t("useCases.field.tags")} hint={t("useCases.field.commaHint")} {...form.field("tags")} />
        </>
      )}
    </StepForm>
  );
}

function Story({ useCase }: { useCase: UseCase }) {
  const t = useT();
  return (
    <StepForm
      useCase={useCase}
      step={2}
      schema={StoryStep}
      initial={{ problem: useCase.problem, solution: useCase.solution }}
    >
      {(form) => (
        <>
          <Field label={t("useCases.field.problem")} multiline {...form.field("problem")} />
          <Field label={t("useCases.field.solution")} multiline {...form.field("solution")} />
        </>
      )}
    </StepForm>
  );
}

const text = (n: number | null | undefined) => (n === null || n === undefined ? "" : String(n));

function Results({ useCase }: { useCase: UseCase }) {
  const t = useT();
  const { outcomes: o, vendor: v } = useCase;
  const vendorFields = ["name", "website", "contactName", "email", "phone"] as const;
  const vendorLabels: Record<(typeof vendorFields)[number], MessageKey> = {
    name: "useCases.field.vendorName",
    website: "useCases.field.vendorWebsite",
    contactName: "useCases.field.vendorContact",
    email: "useCases.field.vendorEmail",
    phone: "useCases.field.vendorPhone",
  };
  return (
    <StepForm
      useCase={useCase}
      step={3}
      schema={ResultsStep}
      initial={{
        "outcomes.costSavingsPercent": text(o?.costSavingsPercent),
        "outcomes.efficiencyGainPercent": text(o?.efficiencyGainPercent),
        "outcomes.roiMonths": text(o?.roiMonths),
        "outcomes.metrics": (o?.metrics ?? []).map((m) => ({ label: m.label, value: String(m.value), unit: m.unit })),
        "vendor.name": v?.name ?? "",
        "vendor.website": v?.website ?? "",
        "vendor.contactName": v?.contactName ?? "",
        "vendor.email": v?.email ?? "",
        "vendor.phone": v?.phone ?? "",
      }}
    >
      {(form) => {
        const metrics = (form.values["outcomes.metrics"] as MetricRow[] | undefined) ?? [];
        const setMetrics = (rows: MetricRow[]) => form.set("outcomes.metrics", rows);
        return (
          <>
            <fieldset className="uc-fieldset">
              <legend>{t("useCases.section.outcomes")}</legend>
              <p className="hint">{t("useCases.outcomes.hint")}</p>
              <div className="row">
                <Field
                  label={t("useCases.field.costSavings")}
                  type="number"
                  {...form.field("outcomes.costSavingsPercent")}
                />
                <Field
                  label={t("useCases.field.efficiencyGain")}
                  type="number"
                  {...form.field("outcomes.efficiencyGainPercent")}
                />
                <Field label={t("useCases.field.roiMonths")} type="number" {...form.field("outcomes.roiMonths")} />
              </div>
              {metrics.map((row, i) => {
                const at = (part: keyof MetricRow) => ({
                  name: `outcomes.metrics.${i}.${part}`,
                  value: row[part],
                  error: form.fieldErrors[`outcomes.metrics.${i}.${part}`],
                  onChange: (value: string) =>
                    setMetrics(metrics.map((r, j) => (j === i ? { ...r, [part]: value } : r))),
                });
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id; a row's inputs follow its place
                  <div className="row uc-metric" key={i}>
                    <Field label={t("useCases.metric.label", { n: i + 1 })} {...at("label")} />
                    <Field label={t("useCases.metric.value", { n: i + 1 })} type="number" {...at("value")} />
                    <Field label={t("useCases.metric.unit", { n: i + 1 })} {...at("unit")} />
                    <button type="button" onClick={() => setMetrics(metrics.filter((_, j) => j !== i))}>
                      {t("useCases.metric.remove", { n: i + 1 })}
                    </button>
                  </div>
                );
              })}
              {form.fieldErrors["outcomes.metrics"] && (
                <p className="field-error">{form.fieldErrors["outcomes.metrics"]}</p>
              )}
              <button type="button" onClick={() => setMetrics([...metrics, { label: "", value: "", unit: "" }])}>
                {t("useCases.metric.add")}
              </button>
            </fieldset>
            <fieldset className="uc-fieldset">
              <legend>{t("useCases.section.vendor")}</legend>
              {vendorFields.map((f) => (
                <Field
                  key={f}
                  label={t(vendorLabels[f])}
                  type={f === "email" ? "email" : f === "website" ? "url" : f === "phone" ? "tel" : "text"}
                  {...form.field(`vendor.${f}`)}
                />
              ))}
            </fieldset>
          </>
        );
      }}
    </StepForm>
  );
}

function Location({ useCase }: { useCase: UseCase }) {
  const t = useT();
  const { location, city, country } = useCase;
  return (
    <StepForm
      useCase={useCase}
      step={4}
      schema={LocationStep}
      initial={{ location: location && city && country ? { city, country, ...location } : null }}
    >
      {(form) => (
        <CityPicker
          label={t("useCases.field.location")}
          value={(form.values.location as UseCaseLocation | null | undefined) ?? null}
          onChange={(city) => form.set("location", city)}
          error={form.field("location").error}
        />
      )}
    </StepForm>
  );
}

const fieldLabels: Record<string, MessageKey> = {
  title: "useCases.field.title",
  summary: "useCases.field.summary",
  industry: "useCases.field.industry",
  technologies: "useCases.field.technologies",
  tags: "useCases.field.tags",
  problem: "useCases.field.problem",
  solution: "useCases.field.solution",
  outcomes: "useCases.section.outcomes",
  vendor: "useCases.section.vendor",
  location: "useCases.field.location",
};

/** The last step: everything as it will be shown, and publishing (which names every missing field at once). */
function Review({ useCase }: { useCase: UseCase }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const publish = useMutation(
    trpc.useCases.publish.mutationOptions({
      onSuccess: (published) => {
        queryClient.setQueryData(trpc.useCases.get.queryKey({ id: published.id }), published);
        void queryClient.invalidateQueries(trpc.useCases.list.pathFilter());
        navigate(`/use-cases/${published.id}`);
      },
    }),
  );
  const issues = publish.error ? errorInfo(publish.error).issues : [];
  return (
    <div className="stack">
      <h3>{useCase.title || t("useCases.untitled")}</h3>
      <p>{useCase.summary || t("useCases.notGiven")}</p>
      <dl className="uc-facts">
        <dt>{t("useCases.field.industry")}</dt>
        <dd>{useCase.industry ? t(`industry.${useCase.industry}`) : t("useCases.notGiven")}</dd>
        <dt>{t("useCases.field.technologies")}</dt>
        <dd>{useCase.technologies.join(", ") || t("useCases.notGiven")}</dd>
        <dt>{t("useCases.field.tags")}</dt>
        <dd>{useCase.tags.join(", ") || t("useCases.notGiven")}</dd>
      </dl>
      <UseCaseSections useCase={useCase} level={3} />
      {useCase.status === "published" ? (
        <p>
          {t("useCases.review.isPublished")} <Link href={`/use-cases/${useCase.id}`}>{t("useCases.review.view")}</Link>
        </p>
      ) : (
        <div className="stack">
          {publish.error && (
            <div role="alert" className="notice error">
              <p>{issues.length ? t("useCases.review.missing") : errorText(t, publish.error, "useCases")}</p>
              <ul>
                {issues.map((issue) => (
                  <li key={issue.path}>
                    <Link href={`/use-cases/${useCase.id}/edit?step=${stepOf(issue.path)}`}>
                      {t(fieldLabels[issue.path.split(".")[0] ?? ""] ?? "useCases.field.title")}
                    </Link>
                    : {issueText(t, issue)}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <button
            type="button"
            className="primary"
            disabled={publish.isPending}
            onClick={() => publish.mutate({ id: useCase.id })}
          >
            {t("useCases.review.publish")}
          </button>
        </div>
      )}
    </div>
  );
}

/** Drafts the person can go on with (theirs; their organization's too as its admin). */
function MyDrafts() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const drafts = useQuery(trpc.useCases.list.queryOptions({ status: "draft", limit: 20 }));
  return (
    <section className="card" aria-labelledby="uc-drafts-title">
      <h2 id="uc-drafts-title">{t("useCases.drafts.title")}</h2>
      <QueryState query={drafts} feature="useCases">
        {({ items }) =>
          items.length ? (
            <ul className="list">
              {items.map((d) => (
                <li key={d.id}>
                  <Link href={`/use-cases/${d.id}/edit`}>{d.title || t("useCases.untitled")}</Link>{" "}
                  <span className="muted">{t("useCases.detail.saved", { when: format.relative(d.updatedAt) })}</span>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>{t("useCases.drafts.none")}</Empty>
          )
        }
      </QueryState>
    </section>
  );
}
