import { ForumSearchInput } from "@p2p/schemas";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { useT } from "../../i18n";
import { SelectField } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { PageHeading } from "../../ui/PageHeading";
import { Empty, QueryState } from "../../ui/states";
import { withParam } from "./params";
import { TopicItem } from "./TopicItem";

const entities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&amp;": "&" };

/**
 * A search snippet as React nodes. The server (forums/search.ts, toSnippet) escapes the matched
 * text and adds only <mark>…</mark>, but the page does not rely on it: it splits on the two tags,
 * decodes the four entities the server writes, and lets React escape the text again. Nothing from
 * the snippet becomes markup except <mark>.
 */
export function snippetNodes(snippet: string): ReactNode[] {
  return snippet.split(/(<mark>.*?<\/mark>)/s).map((part, i) => {
    const marked = part.startsWith("<mark>") && part.endsWith("</mark>");
    const text = (marked ? part.slice(6, -7) : part).replace(/&(lt|gt|quot|amp);/g, (e) => entities[e] ?? e);
    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order
    return marked ? <mark key={i}>{text}</mark> : text;
  });
}

export default function SearchPage() {
  const t = useT();
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const q = params.get("q")?.trim() ?? "";
  const [draft, setDraft] = useState(q);
  // Back and forward change the address, not the box: keep the box showing what was searched.
  useEffect(() => setDraft(q), [q]);
  const categories = useQuery(trpc.forums.listCategories.queryOptions());
  const answered = params.get("answered");
  const sort = params.get("sort") === "latest" ? "latest" : "relevance";
  const input = {
    q,
    categoryId: params.get("category") ?? undefined,
    answered: answered === "yes" ? true : answered === "no" ? false : undefined,
    sort,
  } as const;
  const valid = ForumSearchInput.safeParse(input).success;
  const results = useInfiniteQuery(
    trpc.forums.search.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor, enabled: valid }),
  );
  const set = (name: string, value: string) =>
    setParams((prev) => withParam(prev, name, value), { replace: name !== "q" });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    set("q", draft.trim());
  };

  return (
    <div className="forums">
      <PageHeading title={t("forums.search.title")} />
      <search className="forums-search">
        <form onSubmit={submit} noValidate>
          <label htmlFor="forums-search-page-q">{t("forums.search.query")}</label>
          <input id="forums-search-page-q" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
          <button type="submit" className="primary">
            {t("action.search")}
          </button>
        </form>
      </search>
      <div className="row forums-filters">
        <SelectField
          label={t("forums.search.inCategory")}
          name="category"
          value={input.categoryId ?? ""}
          onChange={(v) => set("category", v)}
          options={[
            { value: "", label: t("forums.search.anyCategory") },
            ...(categories.data ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
        />
        <SelectField
          label={t("forums.filter.answered")}
          name="answered"
          value={answered ?? ""}
          onChange={(v) => set("answered", v)}
          options={[
            { value: "", label: t("forums.filter.answeredAll") },
            { value: "yes", label: t("forums.filter.answeredYes") },
            { value: "no", label: t("forums.filter.answeredNo") },
          ]}
        />
        <SelectField
          label={t("forums.sort")}
          name="sort"
          value={sort}
          onChange={(v) => set("sort", v === "relevance" ? "" : v)}
          options={[
            { value: "relevance", label: t("forums.sort.relevance") },
            { value: "latest", label: t("forums.sort.latest") },
          ]}
        />
      </div>
      <section aria-labelledby="forums-results">
        <h2 id="forums-results">{t("forums.search.results")}</h2>
        {!valid ? (
          <Empty>{t("forums.search.prompt")}</Empty>
        ) : (
          <QueryState query={results} feature="forums">
            {(data) => {
              const hits = data.pages.flatMap((p) => p.items);
              if (hits.length === 0) return <Empty>{t("forums.search.none", { q })}</Empty>;
              return (
                <>
                  <ul className="list forums-topic-list">
                    {hits.map((hit) => (
                      <TopicItem
                        key={`${hit.topic.id}:${hit.postId}`}
                        topic={hit.topic}
                        href={`/forums/topics/${hit.topic.id}#post-${hit.postId}`}
                      >
                        <p className="forums-snippet">{snippetNodes(hit.snippet)}</p>
                      </TopicItem>
                    ))}
                  </ul>
                  <LoadMore query={results} feature="forums" />
                </>
              );
            }}
          </QueryState>
        )}
      </section>
    </div>
  );
}
