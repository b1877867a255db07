import type { RouterInputs } from "@p2p/client";
import { Industry, ListUseCasesInput, Tag, type UseCaseLocation, UseCaseSort } from "@p2p/schemas";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { Link, useSearchParams } from "wouter";
import { z } from "zod";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useT } from "../../i18n";
import { Field, FormError, SelectField, useZodForm } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { CityPicker } from "./CityPicker";
import { ExportButton } from "./ExportButton";
import { UseCaseCard } from "./UseCaseCard";

type Filters = Omit<RouterInputs["useCases"]["list"], "cursor" | "limit">;

const RADII = ["25", "50", "100", "250", "500"];

/** The filters in the address (shareable, and the back button undoes a change); checked by the list's schema. */
function filtersFrom(params: URLSearchParams): Filters | null {
  const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
  const text = (name: string) => params.get(name) || undefined;
  const parsed = ListUseCasesInput.safeParse({
    q: text("q"),
    industry: text("industry"),
    technology: text("technology"),
    tags: params.has("tag") ? [params.get("tag")] : undefined,
    status: text("status"),
    sort: text("sort"),
    lat: number("lat"),
    lng: number("lng"),
    radiusKm: number("lat") === undefined ? undefined : (number("r") ?? 100),
  });
  if (!parsed.success) return null;
  const { cursor: _, limit: __, ...filters } = parsed.data;
  return filters;
}

/** The filter form's own fields: the list's schema pieces (the city and radius are set apart). */
const FilterForm = z.object({
  q: ListUseCasesInput.shape.q,
  technology: ListUseCasesInput.shape.technology,
  tag: Tag.optional(),
  industry: ListUseCasesInput.shape.industry,
  status: ListUseCasesInput.shape.status,
  sort: ListUseCasesInput.shape.sort,
  r: z.enum(RADII).optional(),
});

export default function BrowsePage() {
  const t = useT();
  const trpc = useTRPC();
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const exportSpreadsheet = useMutation(trpc.useCases.exportSpreadsheet.mutationOptions());
  const exportOrganization = useMutation(trpc.useCases.exportOrganization.mutationOptions());
  return (
    <>
      <header className="uc-header">
        <PageHeading title={t("useCases.browse.title")} />
        <div className="uc-actions">
          <Link href="/use-cases/deleted">{t("useCases.browse.deleted")}</Link>
          <Link href="/use-cases/new" className="uc-action">
            {t("useCases.browse.submit")}
          </Link>
        </div>
      </header>
      <FilterPanel key={params.toString()} params={params} onApply={(next) => setParams(next)} />
      <div className="uc-exports">
        {/* A new button for other filters: a link made for the previous ones would download the wrong list. */}
        {filters && (
          <ExportButton
            key={JSON.stringify(filters)}
            label={t("useCases.export.spreadsheet")}
            start={() => exportSpreadsheet.mutateAsync(filters)}
          />
        )}
        {session.role === "admin" && (
          <ExportButton label={t("useCases.export.organization")} start={() => exportOrganization.mutateAsync()} />
        )}
      </div>
      {filters ? (
        <Results filters={filters} />
      ) : (
        <div role="alert" className="notice error">
          <p>{t("useCases.browse.badFilters")}</p>
          <Link href="/use-cases">{t("useCases.browse.clear")}</Link>
        </div>
      )}
    </>
  );
}

function FilterPanel({ params, onApply }: { params: URLSearchParams; onApply(next: URLSearchParams): void }) {
  const t = useT();
  const near: UseCaseLocation | null =
    params.has("lat") && params.has("lng")
      ? {
          city: params.get("near") ?? "",
          country: params.get("country") ?? "",
          lat: Number(params.get("lat")),
          lng: Number(params.get("lng")),
        }
      : null;
  const form = useZodForm({
    schema: FilterForm,
    // The form holds the text of its inputs ("" for none); the schema reads them on submit.
    initial: {
      q: params.get("q") ?? "",
      technology: params.get("technology") ?? "",
      tag: params.get("tag") ?? "",
      industry: params.get("industry") ?? "",
      status: params.get("status") ?? "",
      sort: params.get("sort") ?? "newest",
      r: params.get("r") ?? "100",
    } as z.input<typeof FilterForm>,
    feature: "useCases",
    onSubmit: async (values) => {
      const next = new URLSearchParams();
      for (const name of ["q", "technology", "tag", "industry", "status"] as const) {
        const value = values[name];
        if (value) next.set(name, value);
      }
      const city = form.values.near as UseCaseLocation | null;
      if (city) {
        next.set("near", city.city);
        next.set("country", city.country);
        next.set("lat", String(city.lat));
        next.set("lng", String(city.lng));
        next.set("r", values.r ?? "100");
      }
      // Nearest first needs a place to be near.
      if (values.sort !== "newest" && (values.sort !== "nearest" || city)) next.set("sort", values.sort);
      onApply(next);
    },
  });
  const city = (form.values.near as UseCaseLocation | null | undefined) ?? near;
  const sorts = UseCaseSort.options.filter((s) => s !== "nearest" || city);
  return (
    <search className="card uc-filters">
      <form onSubmit={form.submit} noValidate aria-label={t("useCases.filter.title")}>
        <FormError message={form.formError} />
        <div className="row">
          <Field label={t("useCases.filter.q")} type="search" {...form.field("q")} />
          <SelectField
            label={t("useCases.field.industry")}
            placeholder={t("useCases.filter.any")}
            options={Industry.options.map((i) => ({ value: i, label: t(`industry.${i}`) }))}
            {...form.field("industry")}
          />
          <Field label={t("useCases.filter.technology")} {...form.field("technology")} />
          <Field label={t("useCases.filter.tag")} {...form.field("tag")} />
        </div>
        <div className="row">
          <CityPicker label={t("useCases.filter.near")} value={city} onChange={(c) => form.set("near", c)} />
          {city && (
            <SelectField
              label={t("useCases.filter.radius")}
              options={RADII.map((r) => ({ value: r, label: t("useCases.filter.km", { km: r }) }))}
              {...form.field("r")}
            />
          )}
          <SelectField
            label={t("useCases.filter.sort")}
            options={sorts.map((s) => ({ value: s, label: t(`useCases.sort.${s}`) }))}
            {...form.field("sort")}
          />
          <SelectField
            label={t("useCases.filter.status")}
            placeholder={t("useCases.status.published")}
            options={[{ value: "draft", label: t("useCases.filter.myDrafts") }]}
            {...form.field("status")}
          />
        </div>
        <button type="submit" className="primary">
          {t("action.search")}
        </button>
      </form>
    </search>
  );
}

function Results({ filters }: { filters: Filters }) {
  const t = useT();
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.useCases.list.infiniteQueryOptions(filters, { getNextPageParam: (page) => page.nextCursor }),
  );
  return (
    <QueryState query={list} feature="useCases">
      {(data) => {
        const items = data.pages.flatMap((p) => p.items);
        if (!items.length) return <Empty>{t("useCases.browse.empty")}</Empty>;
        return (
          <>
            <ul className="grid uc-plain">
              {items.map((uc) => (
                <li key={uc.id}>
                  <UseCaseCard useCase={uc} heading="h2" />
                </li>
              ))}
            </ul>
            <LoadMore query={list} feature="useCases" />
          </>
        );
      }}
    </QueryState>
  );
}
