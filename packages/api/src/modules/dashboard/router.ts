import {
  ActivityPage,
  DashboardActivityInput,
  DashboardStats,
  DashboardStatsInput,
  DashboardTrendingInput,
  OnActivityInput,
  TrendingList,
} from "@p2p/schemas";
import { router } from "../../trpc/init";
import { rest } from "../../trpc/meta";
import { orgProcedure } from "../../trpc/procedures";
import { trackedStream } from "../../trpc/subscriptions";
import { activityFeed } from "./activity";
import { activityEvents } from "./live";
import { dashboardStats } from "./stats";
import { trending } from "./trending";

/** The dashboard a member lands on: their numbers, what is happening, what is trending. */
export const dashboardRouter = router({
  stats: orgProcedure
    .meta(rest("GET", "/dashboard/stats", "Your, your organization's and the platform's numbers"))
    .input(DashboardStatsInput)
    .output(DashboardStats)
    .query(({ ctx, input }) => dashboardStats(ctx.deps, ctx.principal, input.range)),
  activity: orgProcedure
    .meta(rest("GET", "/dashboard/activity", "Recent activity you may see (you, your organization, the platform)"))
    .input(DashboardActivityInput)
    .output(ActivityPage)
    .query(({ ctx, input }) => activityFeed(ctx.deps, ctx.principal, input)),
  onActivity: orgProcedure
    .input(OnActivityInput)
    .subscription(({ ctx, input }) => trackedStream(activityEvents(ctx.deps, ctx.principal, input, ctx.signal))),
  trending: orgProcedure
    .meta(rest("GET", "/dashboard/trending", "Trending topics or use cases"))
    .input(DashboardTrendingInput)
    .output(TrendingList)
    .query(({ ctx, input }) => trending(ctx.deps, ctx.principal, input)),
});
