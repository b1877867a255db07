import { StatsRange, TrendingWindow } from "@p2p/schemas";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useSearchParams } from "wouter";
import { useTRPC } from "../../api";
import { useSession } from "../../app/session";
import { type MessageKey, useI18n } from "../../i18n";
import { SelectField } from "../../ui/form";
import { PageHeading } from "../../ui/PageHeading";
import { QueryState } from "../../ui/states";
import { ActivityFeed } from "./ActivityFeed";
import { Trending } from "./Trending";

const pick = <T extends string>(options: readonly T[], value: string | null, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

/** The landing page: the person's, their organization's and the platform's numbers, activity, what is trending. */
export default function DashboardPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const range = pick(StatsRange.options, params.get("range"), "30d");
  const trendWindow = pick(TrendingWindow.options, params.get("window"), "7d");
  const setParam = (name: string) => (value: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      next.set(name, value);
      return next;
    });
  return (
    <>
      <PageHeading title={t("dashboard.title", { name: user.firstName })} tabTitle={t("nav.dashboard")} />
      <div className="dash-period">
        <SelectField
          label={t("dashboard.range")}
          name="range"
          value={range}
          onChange={setParam("range")}
          options={StatsRange.options.map((r) => ({ value: r, label: t(`dashboard.range.${r}`) }))}
        />
      </div>
      <Stats range={range} />
      <div className="dash-columns">
        <ActivityFeed />
        <section className="card" aria-labelledby="dash-trending">
          <div className="dash-section-head">
            <h2 id="dash-trending">{t("dashboard.trending.title")}</h2>
            <SelectField
              label={t("dashboard.trending.window")}
              name="window"
              value={trendWindow}
              onChange={setParam("window")}
              options={TrendingWindow.options.map((w) => ({ value: w, label: t(`dashboard.window.${w}`) }))}
            />
          </div>
          <Trending kind="topics" window={trendWindow} />
          <Trending kind="useCases" window={trendWindow} />
        </section>
      </div>
    </>
  );
}

interface Stat {
  label: MessageKey;
  value: number | string;
  href?: string;
}

function Stats({ range }: { range: StatsRange }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { organization } = useSession();
  const stats = useQuery(trpc.dashboard.stats.queryOptions({ range }));
  const bytes = (n: number) =>
    new Intl.NumberFormat(locale, {
      style: "unit",
      unit: n >= 1e9 ? "gigabyte" : "megabyte",
      maximumFractionDigits: 1,
    }).format(n >= 1e9 ? n / 1e9 : n / 1e6);
  return (
    <QueryState query={stats} feature="dashboard">
      {({ me, organization: org, platform }) => (
        <div className="dash-blocks">
          <StatBlock
            id="dash-me"
            title={t("dashboard.me.title")}
            stats={[
              { label: "dashboard.stat.openTasks", value: me.tasks.open, href: "/tasks" },
              { label: "dashboard.stat.overdueTasks", value: me.tasks.overdue, href: "/tasks?due=overdue" },
              { label: "dashboard.stat.dueToday", value: me.tasks.dueToday, href: "/tasks?due=today" },
              { label: "dashboard.stat.unreadMessages", value: me.unreadMessages, href: "/messages" },
              { label: "dashboard.stat.unreadNotifications", value: me.unreadNotifications, href: "/notifications" },
              { label: "dashboard.stat.topics", value: me.topics },
              { label: "dashboard.stat.replies", value: me.replies },
              { label: "dashboard.stat.bestAnswers", value: me.bestAnswers },
              { label: "dashboard.stat.useCases", value: me.useCases },
            ]}
          />
          <StatBlock
            id="dash-org"
            title={organization.name}
            stats={[
              { label: "dashboard.stat.members", value: org.members, href: "/organization/members" },
              { label: "dashboard.stat.activeMembers", value: org.activeMembers },
              { label: "dashboard.stat.topics", value: org.topics, href: "/forums" },
              { label: "dashboard.stat.posts", value: org.posts },
              { label: "dashboard.stat.useCases", value: org.useCases, href: `/use-cases` },
              { label: "dashboard.stat.storage", value: bytes(org.storageBytes) },
            ]}
          />
          <StatBlock
            id="dash-platform"
            title={t("dashboard.platform.title")}
            stats={[
              { label: "dashboard.stat.organizations", value: platform.organizations },
              { label: "dashboard.stat.people", value: platform.people },
              { label: "dashboard.stat.topics", value: platform.topics, href: "/forums" },
              { label: "dashboard.stat.useCasesPublished", value: platform.useCasesPublished, href: "/use-cases" },
            ]}
          />
        </div>
      )}
    </QueryState>
  );
}

/** A block of numbers; those with a page of their own link to it ("3 open tasks"). */
function StatBlock({ id, title, stats }: { id: string; title: string; stats: Stat[] }) {
  const { t, format } = useI18n();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className="dash-stats">
        {stats.map((s) => {
          const content: ReactNode = (
            <>
              <span className="dash-number">{typeof s.value === "number" ? format.number(s.value) : s.value}</span>{" "}
              <span>{t(s.label, { count: typeof s.value === "number" ? s.value : 0 })}</span>
            </>
          );
          return <li key={s.label}>{s.href ? <Link href={s.href}>{content}</Link> : content}</li>;
        })}
      </ul>
    </section>
  );
}
