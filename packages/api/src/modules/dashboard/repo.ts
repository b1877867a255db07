import { type Expression, type Insertable, sql } from "kysely";
import type { Db } from "../../infra/postgres/db";
import type { DashboardTrendingTable } from "../../infra/postgres/schema";

/** The dashboard's tables: `dashboard_trending` (scores) and `dashboard_daily_views` (views by day). */

export type TrendingKind = DashboardTrendingTable["kind"];
export type TrendingWindow = DashboardTrendingTable["window"];

/**
 * A subject's trending score as one column another module's query selects (0 without one): the
 * use-case list's `sort: "trending"`. A primary-key lookup per row.
 */
export const trendingScoreColumn = (
  db: Db,
  kind: TrendingKind,
  window: TrendingWindow,
  subjectId: Expression<string>,
) =>
  sql<number>`coalesce((${db
    .selectFrom("dashboardTrending")
    .select("score")
    .where("kind", "=", kind)
    .where("window", "=", window)
    .whereRef("subjectId", "=", subjectId)}), 0)`;

/** Adds counted views to today's row of each subject. */
export async function recordDailyViews(db: Db, kind: TrendingKind, counts: ReadonlyMap<string, number>) {
  if (!counts.size) return;
  const ids = [...counts.keys()];
  await sql`
    insert into dashboard_daily_views (kind, subject_id, day, views)
    select ${kind}, v.id, current_date, v.n from unnest(${ids}::uuid[], ${ids.map((id) => counts.get(id) ?? 0)}::int[]) as v(id, n)
    on conflict (kind, day, subject_id) do update set views = dashboard_daily_views.views + excluded.views`.execute(db);
}

/** Per subject with views since `since`: how many, and summed with the weight 2^(-age / halfLife) (from the middle of each day). */
export async function dailyViewSignals(db: Db, kind: TrendingKind, since: Date, halfLifeMs: number) {
  const result = await sql<{ subjectId: string; views: number; weight: number }>`
    select subject_id as "subjectId", sum(views)::int as views,
           sum(views * power(2, -extract(epoch from (now() - least(now(), day::timestamptz + interval '12 hours'))) / ${halfLifeMs / 1000}))::float8 as weight
    from dashboard_daily_views where kind = ${kind} and day >= ${since}::date group by subject_id`.execute(db);
  return result.rows;
}

export const pruneDailyViews = (db: Db, before: Date) =>
  db.deleteFrom("dashboardDailyViews").where("day", "<", sql<string>`${before}::date`).execute();

/** Replaces the scores of one kind and window, in one transaction (readers see the old or the new set). */
export async function replaceTrending(
  db: Db,
  kind: TrendingKind,
  window: TrendingWindow,
  rows: Insertable<DashboardTrendingTable>[],
) {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("dashboardTrending").where("kind", "=", kind).where("window", "=", window).execute();
    for (let i = 0; i < rows.length; i += 1_000) {
      await trx
        .insertInto("dashboardTrending")
        .values(rows.slice(i, i + 1_000))
        .execute();
    }
  });
}

/**
 * The best scores of one kind and window an organization's member may see (platform-wide ones
 * and their organization's), optionally of one category or industry; on the rank index.
 */
export function topTrending(
  db: Db,
  orgId: string,
  f: { kind: TrendingKind; window: TrendingWindow; categoryId?: string; industry?: string },
  limit: number,
) {
  let query = db
    .selectFrom("dashboardTrending")
    .select(["subjectId", "score", "views", "replies", "likes", "bestAnswers", "computedAt"])
    .where("kind", "=", f.kind)
    .where("window", "=", f.window)
    .where((eb) => eb.or([eb("visibility", "=", "platform"), eb("organizationId", "=", orgId)]));
  if (f.categoryId) query = query.where("categoryId", "=", f.categoryId);
  if (f.industry) query = query.where("industry", "=", f.industry);
  return query.orderBy("score", "desc").orderBy("subjectId", "desc").limit(limit).execute();
}
