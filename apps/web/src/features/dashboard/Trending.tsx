import type { TrendingWindow } from "@p2p/schemas";
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { useTRPC } from "../../api";
import { useI18n } from "../../i18n";
import { Empty, QueryState } from "../../ui/states";

/** The most active topics or use cases of the window (the server's time-decayed score), each linking to its page. */
export function Trending({ kind, window }: { kind: "topics" | "useCases"; window: TrendingWindow }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const trending = useQuery(trpc.dashboard.trending.queryOptions({ kind, window, limit: 5 }));
  return (
    <>
      <h3>{t(`dashboard.trending.${kind}`)}</h3>
      <QueryState query={trending} feature="dashboard">
        {({ items }) =>
          items.length ? (
            <ol className="dash-trending">
              {items.map((item) => (
                <li key={item.id}>
                  <Link href={item.kind === "topic" ? `/forums/topics/${item.id}` : `/use-cases/${item.id}`}>
                    {item.title}
                  </Link>
                  <span className="muted">
                    {" "}
                    {t("dashboard.trending.counts", { views: item.views, replies: item.replies, likes: item.likes })}
                  </span>
                </li>
              ))}
            </ol>
          ) : (
            <Empty>{t("dashboard.trending.empty")}</Empty>
          )
        }
      </QueryState>
    </>
  );
}
