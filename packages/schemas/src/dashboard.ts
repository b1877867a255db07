import { z } from "zod";
import { EventId, Id, limits, PageInput, page, ResyncEvent } from "./common.js";
import { Author } from "./forums.js";
import { Industry } from "./organizations.js";

/** The period counted: things created (or published) within it; `all` counts everything. */
export const StatsRange = z.enum(["7d", "30d", "90d", "all"]);
export type StatsRange = z.infer<typeof StatsRange>;

export const DashboardStatsInput = z.object({ range: StatsRange.default("30d") });

const count = z.number().int().nonnegative();

/** The caller's own numbers. Unread counts and tasks are current; the rest are within the range. */
export const MyStats = z.object({
  topics: count,
  replies: count,
  bestAnswers: count,
  useCases: count,
  unreadMessages: count,
  unreadNotifications: count,
  tasks: z.object({ open: count, overdue: count, dueToday: count }),
});

/** The caller's organization: members now; active members, topics, posts and use cases within the range. */
export const OrganizationBlock = z.object({
  members: count,
  activeMembers: count,
  topics: count,
  posts: count,
  useCases: count,
  storageBytes: count,
});

/** The platform: organizations and people now; platform-wide topics and use cases published within the range. */
export const PlatformBlock = z.object({
  organizations: count,
  people: count,
  topics: count,
  useCasesPublished: count,
});

export const DashboardStats = z.object({
  range: StatsRange,
  me: MyStats,
  organization: OrganizationBlock,
  platform: PlatformBlock,
});
export type DashboardStats = z.infer<typeof DashboardStats>;

// ---------------------------------------------------------------- activity

/**
 * `me`: what I did; `organization`: what my organization's people did (its organization-only
 * topics included); `platform`: what anyone did in the open (platform-wide topics, published use cases).
 */
export const ActivityScope = z.enum(["me", "organization", "platform"]);
export type ActivityScope = z.infer<typeof ActivityScope>;

/** The kinds of activity in the feed (forums and use cases; direct messages never are). */
export const ActivityType = z.enum([
  "forum.topic.created",
  "forum.topic.updated",
  "forum.post.created",
  "forum.post.liked",
  "forum.bestAnswer.changed",
  "useCase.published",
  "useCase.updated",
]);
export type ActivityType = z.infer<typeof ActivityType>;

export const DashboardActivityInput = PageInput.extend({
  scope: ActivityScope.default("organization"),
  types: z.array(ActivityType).max(ActivityType.options.length).optional(),
});

export const ActivityItem = z.object({
  id: Id,
  type: ActivityType,
  actor: Author.nullable(),
  subject: z.object({ kind: z.enum(["topic", "useCase"]), id: Id, title: z.string() }),
  /** The post it is about, for post events. */
  postId: Id.nullable(),
  createdAt: z.date(),
});
export type ActivityItem = z.infer<typeof ActivityItem>;
export const ActivityPage = page(ActivityItem);

export const OnActivityInput = z.object({
  scope: ActivityScope.default("organization"),
  lastEventId: EventId.nullish(),
});

/** What `dashboard.onActivity` streams: a new item, or a resync (refetch `dashboard.activity`). */
export const ActivityStreamEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("activity"), item: ActivityItem }),
  ResyncEvent,
]);
export type ActivityStreamEvent = z.infer<typeof ActivityStreamEvent>;

// ---------------------------------------------------------------- trending

export const TrendingKind = z.enum(["topics", "useCases"]);
export const TrendingWindow = z.enum(["24h", "7d", "30d"]);
export type TrendingWindow = z.infer<typeof TrendingWindow>;

export const DashboardTrendingInput = z.object({
  kind: TrendingKind.default("topics"),
  window: TrendingWindow.default("7d"),
  /** Topics of one forum category. */
  categoryId: Id.optional(),
  /** Use cases of one industry. */
  industry: Industry.optional(),
  limit: z.number().int().min(1).max(limits.pageSize).default(10),
});

export const TrendingItem = z.object({
  kind: z.enum(["topic", "useCase"]),
  id: Id,
  title: z.string(),
  /** The time-decayed score (docs/decisions.md, "Trending"). */
  score: z.number(),
  /** Raw counts within the window. */
  views: count,
  replies: count,
  likes: count,
  bestAnswers: count,
  computedAt: z.date(),
});
export type TrendingItem = z.infer<typeof TrendingItem>;
export const TrendingList = z.object({ items: z.array(TrendingItem) });
