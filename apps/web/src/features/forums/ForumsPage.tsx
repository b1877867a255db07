import { TopicSort } from "@p2p/schemas";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { type FormEvent, useRef } from "react";
import { Link, useLocation, useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { useI18n } from "../../i18n";
import { SelectField } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { withParam } from "./params";
import { TopicItem } from "./TopicItem";

/** The filters live in the address (?category=…&answered=yes&from=me&sort=top&tag=…): shareable, and Back works. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const session = useSession();
  const answered = params.get("answered");
  const from = params.get("from");
  const sort = TopicSort.exclude(["unanswered"]).safeParse(params.get("sort"));
  const input = {
    categoryId: params.get("category") ?? undefined,
    tag: params.get("tag") ?? undefined,
    answered: answered === "yes" ? true : answered === "no" ? false : undefined,
    authorId: from === "me" ? session.user.id : undefined,
    organizationId: from === "organization" ? session.organization.id : undefined,
    sort: sort.success ? sort.data : ("active" as const),
  };
  /** The address with one filter changed ("" removes it). */
  const hrefWith = (name: string, value: string) => {
    const query = withParam(params, name, value).toString();
    return query ? `/forums?${query}` : "/forums";
  };
  const set = (name: string, value: string) => setParams((prev) => withParam(prev, name, value), { replace: true });
  return { params, input, hrefWith, set };
}

export default function ForumsPage() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const [, navigate] = useLocation();
  const { params, input, hrefWith, set } = useFilters();
  const searchRef = useRef<HTMLInputElement>(null);
  const categories = useQuery(trpc.forums.listCategories.queryOptions());
  const topics = useInfiniteQuery(
    trpc.forums.listTopics.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor }),
  );

  const search = (event: FormEvent) => {
    event.preventDefault();
    const q = searchRef.current?.value.trim();
    if (q) navigate(`/forums/search?q=${encodeURIComponent(q)}`);
    else searchRef.current?.focus();
  };

  return (
    <div className="forums">
      <header className="forums-header">
        <PageHeading title={t("forums.title")} />
        <search className="forums-search">
          <form onSubmit={search} noValidate>
            <label htmlFor="forums-search-q" className="visually-hidden">
              {t("forums.search.label")}
            </label>
            <input id="forums-search-q" ref={searchRef} type="search" placeholder={t("forums.search.label")} />
            <button type="submit">{t("action.search")}</button>
          </form>
        </search>
        <Link href="/forums/new" className="forums-button">
          {t("forums.newTopic")}
        </Link>
      </header>
      <div className="forums-layout">
        <nav aria-labelledby="forums-categories" className="forums-categories">
          <h2 id="forums-categories">{t("forums.categories")}</h2>
          <QueryState query={categories} feature="forums">
            {(list) => (
              <ul className="list">
                <li>
                  <Link href={hrefWith("category", "")} aria-current={input.categoryId ? undefined : "page"}>
                    {t("forums.allTopics")}
                  </Link>
                </li>
                {list.map((c) => (
                  <li key={c.id}>
                    <Link
                      href={hrefWith("category", c.id)}
                      aria-current={input.categoryId === c.id ? "page" : undefined}
                    >
                      {c.name}
                    </Link>{" "}
                    <span className="muted">({format.number(c.topicCount)})</span>
                    <br />
                    <small className="muted">{c.description}</small>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </nav>
        <section aria-labelledby="forums-topics" className="forums-topics">
          <h2 id="forums-topics">{t("forums.topics")}</h2>
          <div className="row forums-filters">
            <SelectField
              label={t("forums.filter.answered")}
              name="answered"
              value={params.get("answered") ?? ""}
              onChange={(v) => set("answered", v)}
              options={[
                { value: "", label: t("forums.filter.answeredAll") },
                { value: "yes", label: t("forums.filter.answeredYes") },
                { value: "no", label: t("forums.filter.answeredNo") },
              ]}
            />
            <SelectField
              label={t("forums.filter.from")}
              name="from"
              value={params.get("from") ?? ""}
              onChange={(v) => set("from", v)}
              options={[
                { value: "", label: t("forums.filter.fromAll") },
                { value: "organization", label: t("forums.filter.fromOrganization") },
                { value: "me", label: t("forums.filter.fromMe") },
              ]}
            />
            <SelectField
              label={t("forums.sort")}
              name="sort"
              value={input.sort}
              onChange={(v) => set("sort", v === "active" ? "" : v)}
              options={[
                { value: "active", label: t("forums.sort.active") },
                { value: "latest", label: t("forums.sort.latest") },
                { value: "top", label: t("forums.sort.top") },
              ]}
            />
          </div>
          {input.tag && (
            <p>
              {t("forums.filter.tag", { tag: input.tag })}{" "}
              <Link href={hrefWith("tag", "")} aria-label={t("forums.filter.clearTag", { tag: input.tag })}>
                ×
              </Link>
            </p>
          )}
          <QueryState query={topics} feature="forums">
            {(data) => {
              const items = data.pages.flatMap((p) => p.items);
              if (items.length === 0) return <Empty>{t("forums.noTopics")}</Empty>;
              return (
                <>
                  <ul className="list forums-topic-list">
                    {items.map((topic) => (
                      <TopicItem key={topic.id} topic={topic} />
                    ))}
                  </ul>
                  <LoadMore query={topics} feature="forums" />
                </>
              );
            }}
          </QueryState>
        </section>
      </div>
    </div>
  );
}
