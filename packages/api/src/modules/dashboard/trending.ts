import type { DashboardTrendingInput, TrendingItem } from "@p2p/schemas";
import type { Insertable } from "kysely";
import type { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import type { DashboardTrendingTable } from "../../infra/postgres/schema";
import { activitySince } from "../activity/repo";
import { topicFacts, topicSignals, topicsSeenBy } from "../forums/repo";
import type { ModuleJob } from "../jobs";
import { useCaseListsChanged } from "../useCases/list-cache";
import { findRows, publishedFacts } from "../useCases/repo";
import { dailyViewSignals, pruneDailyViews, replaceTrending, type TrendingWindow, topTrending } from "./repo";

/**
 * Trending (docs/decisions.md, "Trending"): each view, reply, like and best answer within the
 * window counts with a weight that halves every quarter of the window, so a burst of interest
 * today outranks the same interest a week ago:
 *
 *   score = Σ 2^(-age / H) · w(signal),  H = window / 4,  w: view 1, like 2, reply 3, best answer 5
 *
 * Use cases have views only (no replies, likes or best answers). A job recomputes every score
 * every few minutes and replaces the stored set; reads take the best stored scores and check the
 * subjects' current visibility.
 */
export const WEIGHTS = { view: 1, like: 2, reply: 3, bestAnswer: 5 } as const;
const HOUR = 3_600_000;
export const WINDOW_MS: Record<TrendingWindow, number> = {
  "24h": 24 * HOUR,
  "7d": 7 * 24 * HOUR,
  "30d": 30 * 24 * HOUR,
};
export const RECOMPUTE_EVERY_MS = 5 * 60_000;

const decay = (ageMs: number, halfLifeMs: number) => 2 ** (-Math.max(0, ageMs) / halfLifeMs);

/** Recomputes every score of every window. */
export async function recomputeTrending(deps: AppDeps): Promise<void> {
  const now = Date.now();
  for (const window of Object.keys(WINDOW_MS) as TrendingWindow[]) {
    const since = new Date(now - WINDOW_MS[window]);
    const halfLife = WINDOW_MS[window] / 4;
    const computedAt = new Date(now);
    await replaceTrending(deps.db, "topics", window, await topicScores(deps, window, since, halfLife, computedAt));
    await replaceTrending(deps.db, "useCases", window, await useCaseScores(deps, window, since, halfLife, computedAt));
  }
  await pruneDailyViews(deps.db, new Date(now - WINDOW_MS["30d"] - 24 * HOUR));
  // The use-case list sorts by these scores ("trending").
  await useCaseListsChanged(deps);
}

async function topicScores(deps: AppDeps, window: TrendingWindow, since: Date, halfLife: number, computedAt: Date) {
  const [signals, bestEvents] = await Promise.all([
    topicSignals(deps.db, since, halfLife),
    activitySince(deps.mongo, "forum.bestAnswer.changed", since),
  ]);
  // A best answer counts from when it was chosen: the latest choice of the topic's current one.
  const chosenAt = new Map<string, { postId: unknown; at: Date }>();
  for (const e of bestEvents) {
    const seen = chosenAt.get(e.subjectId);
    if (!seen || seen.at < e.createdAt) chosenAt.set(e.subjectId, { postId: e.data.postId, at: e.createdAt });
  }
  const byTopic = new Map(signals.map((s) => [s.topicId, s]));
  const onlyAnswered = [...chosenAt.keys()].filter((id) => !byTopic.has(id));
  for (const t of await topicFacts(deps.db, onlyAnswered)) {
    byTopic.set(t.id, {
      topicId: t.id,
      organizationId: t.organizationId,
      visibility: t.visibility,
      categoryId: t.categoryId,
      bestPostId: t.bestPostId,
      views: 0,
      replies: 0,
      likes: 0,
      viewWeight: 0,
      replyWeight: 0,
      likeWeight: 0,
    });
  }
  const rows: Insertable<DashboardTrendingTable>[] = [];
  for (const s of byTopic.values()) {
    const chosen = chosenAt.get(s.topicId);
    const best = chosen && s.bestPostId && chosen.postId === s.bestPostId ? 1 : 0;
    const bestWeight = best && chosen ? decay(computedAt.getTime() - chosen.at.getTime(), halfLife) : 0;
    const score =
      WEIGHTS.view * s.viewWeight +
      WEIGHTS.reply * s.replyWeight +
      WEIGHTS.like * s.likeWeight +
      WEIGHTS.bestAnswer * bestWeight;
    if (score <= 0) continue;
    rows.push({
      kind: "topics",
      window,
      subjectId: s.topicId,
      organizationId: s.organizationId,
      visibility: s.visibility,
      categoryId: s.categoryId,
      industry: null,
      score,
      views: s.views,
      replies: s.replies,
      likes: s.likes,
      bestAnswers: best,
      computedAt,
    });
  }
  return rows;
}

async function useCaseScores(deps: AppDeps, window: TrendingWindow, since: Date, halfLife: number, computedAt: Date) {
  const signals = await dailyViewSignals(deps.db, "useCases", since, halfLife);
  const facts = new Map(
    (
      await publishedFacts(
        deps.db,
        signals.map((s) => s.subjectId),
      )
    ).map((f) => [f.id, f]),
  );
  return signals.flatMap((s): Insertable<DashboardTrendingTable>[] => {
    const f = facts.get(s.subjectId);
    if (!f || s.weight <= 0) return [];
    return [
      {
        kind: "useCases",
        window,
        subjectId: s.subjectId,
        organizationId: f.organizationId,
        visibility: "platform",
        categoryId: null,
        industry: f.industry,
        score: WEIGHTS.view * s.weight,
        views: s.views,
        replies: 0,
        likes: 0,
        bestAnswers: 0,
        computedAt,
      },
    ];
  });
}

/** The trending job, declared in modules/index.ts. */
export const dashboardJobs: ModuleJob[] = [
  { name: "dashboard.trending", everyMs: RECOMPUTE_EVERY_MS, run: (deps) => recomputeTrending(deps) },
];

/**
 * The best-scored topics or use cases the caller may see now: stored scores filtered by the
 * stored visibility, then each subject checked as it is now (deleted, unpublished, made
 * organization-only since the last run: left out).
 */
export async function trending(
  deps: AppDeps,
  caller: Principal,
  input: z.output<typeof DashboardTrendingInput>,
): Promise<{ items: TrendingItem[] }> {
  const rows = await topTrending(
    deps.db,
    caller.organizationId,
    {
      kind: input.kind,
      window: input.window,
      categoryId: input.kind === "topics" ? input.categoryId : undefined,
      industry: input.kind === "useCases" ? input.industry : undefined,
    },
    // A few more than asked, for the ones no longer visible.
    input.limit + 10,
  );
  const ids = rows.map((r) => r.subjectId);
  const titles = new Map<string, string>();
  if (input.kind === "topics") {
    for (const t of await topicsSeenBy(deps.db, caller.organizationId, ids))
      if (t.visible && !t.deletedAt) titles.set(t.id, t.title);
  } else {
    for (const u of await findRows(deps.db, ids))
      if (u.status === "published" && !u.deletedAt) titles.set(u.id, u.title);
  }
  const kind = input.kind === "topics" ? ("topic" as const) : ("useCase" as const);
  const items = rows.flatMap((r) => {
    const title = titles.get(r.subjectId);
    if (title === undefined) return [];
    return [
      {
        kind,
        id: r.subjectId,
        title,
        score: Math.round(r.score * 1000) / 1000,
        views: r.views,
        replies: r.replies,
        likes: r.likes,
        bestAnswers: r.bestAnswers,
        computedAt: r.computedAt,
      },
    ];
  });
  return { items: items.slice(0, input.limit) };
}
