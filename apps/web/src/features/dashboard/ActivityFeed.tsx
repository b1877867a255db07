import type { RouterOutputs } from "@p2p/client";
import { ActivityScope } from "@p2p/schemas";
import { type InfiniteData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { SelectField } from "../../ui/form";
import { LoadMore } from "../../ui/LoadMore";
import { Empty, QueryState } from "../../ui/states";

type Page = RouterOutputs["dashboard"]["activity"];
type Item = Page["items"][number];

const subjectHref = (item: Item) =>
  item.subject.kind === "topic" ? `/forums/topics/${item.subject.id}` : `/use-cases/${item.subject.id}`;

/** What is happening (mine, my organization's, the platform's): cursor pages, and new items live at the top. */
export function ActivityFeed() {
  const { t, format } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [scope, setScope] = useState<ActivityScope>("organization");
  const options = trpc.dashboard.activity.infiniteQueryOptions(
    { scope },
    { getNextPageParam: (page) => page.nextCursor },
  );
  const feed = useInfiniteQuery(options);
  useSubscription(
    trpc.dashboard.onActivity.subscriptionOptions(
      { scope },
      {
        onData: ({ data }) => {
          if (data.type === "resync") {
            void queryClient.invalidateQueries({ queryKey: options.queryKey });
            return;
          }
          queryClient.setQueryData(options.queryKey, (old: InfiniteData<Page, string | null> | undefined) => {
            const [first, ...rest] = old?.pages ?? [];
            if (!old || !first || first.items.some((i) => i.id === data.item.id)) return old;
            return { ...old, pages: [{ ...first, items: [data.item, ...first.items] }, ...rest] };
          });
        },
      },
    ),
  );
  return (
    <section className="card" aria-labelledby="dash-activity">
      <div className="dash-section-head">
        <h2 id="dash-activity">{t("dashboard.activity.title")}</h2>
        <SelectField
          label={t("dashboard.activity.scope")}
          name="scope"
          value={scope}
          onChange={(v) => setScope(v as ActivityScope)}
          options={ActivityScope.options.map((s) => ({ value: s, label: t(`dashboard.scope.${s}`) }))}
        />
      </div>
      <QueryState query={feed} feature="dashboard">
        {(data) => {
          const items = data.pages.flatMap((p) => p.items);
          if (!items.length) return <Empty>{t("dashboard.activity.empty")}</Empty>;
          return (
            <>
              <ul className="list">
                {items.map((item) => {
                  const actor = item.actor
                    ? `${item.actor.firstName} ${item.actor.lastName}`
                    : t("dashboard.activity.someone");
                  return (
                    <li key={item.id}>
                      {t(`dashboard.activity.${item.type}`, { actor })}{" "}
                      {/* Isolated: an Arabic title next to "18 seconds ago" took the number into its run. */}
                      <Link href={subjectHref(item)}>
                        <bdi>{item.subject.title}</bdi>
                      </Link>{" "}
                      <time className="muted" dateTime={item.createdAt.toISOString()}>
                        {format.relative(item.createdAt)}
                      </time>
                    </li>
                  );
                })}
              </ul>
              <LoadMore query={feed} feature="dashboard" />
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
