import type { DashboardStats, StatsRange } from "@p2p/schemas";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { storageBytes } from "../files/repo";
import { forumCountsOf, personForumCounts, platformTopicCount } from "../forums/stats";
import { unreadTotalQuery } from "../messages/repo";
import { unreadCountQuery } from "../notifications/repo";
import { countOrganizations } from "../organizations/repo";
import { taskCountsQuery } from "../tasks/repo";
import { countPublishedWhere } from "../useCases/repo";
import { countActiveUsers, memberCounts } from "../users/repo";
import { timezoneFor } from "../users/timezone";
import { type BlockKey, type Cached, readBlocks, storeBlock } from "./cache";

type Me = DashboardStats["me"];
type CachedMe = Omit<Me, "unreadMessages" | "unreadNotifications" | "tasks">;
type Org = DashboardStats["organization"];
type Platform = DashboardStats["platform"];

const DAY_MS = 86_400_000;
const RANGE_DAYS: Record<Exclude<StatsRange, "all">, number> = { "7d": 7, "30d": 30, "90d": 90 };
const sinceOf = (range: StatsRange) => (range === "all" ? null : new Date(Date.now() - RANGE_DAYS[range] * DAY_MS));

/**
 * The caller's dashboard numbers. The three blocks (me, organization, platform) come from the
 * Redis cache when present (one round trip for all three) and are otherwise computed, each with
 * its queries in parallel, and stored unless a write invalidated them meanwhile (cache.ts). The
 * unread counts and tasks are read fresh on every call, in parallel with the cache: each is one
 * count on a partial index, and they change with every message, notification and task, so
 * caching them would cost more invalidations than it saves.
 */
export async function dashboardStats(deps: AppDeps, caller: Principal, range: StatsRange): Promise<DashboardStats> {
  const keys: [BlockKey, BlockKey, BlockKey] = [
    { block: "me", id: caller.userId },
    { block: "org", id: caller.organizationId },
    { block: "platform", id: "all" },
  ];
  const [blocks, live] = await Promise.all([readBlocks<unknown>(deps, keys, range), liveCounts(deps, caller)]);
  const [me, org, platform] = blocks as [Cached<CachedMe>, Cached<Org>, Cached<Platform>];
  const since = sinceOf(range);
  const load = async <T>(cached: Cached<T>, key: BlockKey, compute: () => Promise<T>) => {
    if (cached.value) return cached.value;
    const value = await compute();
    await storeBlock(deps, key, range, cached.generation, value);
    return value;
  };
  const [mine, organization, everyone] = await Promise.all([
    load<CachedMe>(me, keys[0], () => myBlock(deps, caller.userId, since)),
    load<Org>(org, keys[1], () => organizationBlock(deps, caller.organizationId, since)),
    load<Platform>(platform, keys[2], () => platformBlock(deps, since)),
  ]);
  return { range, me: { ...mine, ...live }, organization, platform: everyone };
}

/** An API key reads no one's messages, notifications or tasks, so it counts none of them either. */
const NOT_FOR_KEYS = { unreadMessages: 0, unreadNotifications: 0, tasks: { open: 0, overdue: 0, dueToday: 0 } };

/** The counts read fresh on every call, in one statement (each an index-served count). */
async function liveCounts(deps: AppDeps, caller: Principal) {
  if (caller.via === "apiKey") return NOT_FOR_KEYS;
  const tz = await timezoneFor(deps, caller);
  const row = await deps.db
    .selectFrom([
      unreadTotalQuery(deps.db, caller.userId).as("messages"),
      unreadCountQuery(deps.db, caller.userId).as("notifications"),
      taskCountsQuery(deps.db, caller.userId, tz).as("tasks"),
    ])
    .select([
      "messages.n as unreadMessages",
      "notifications.n as unreadNotifications",
      "tasks.open",
      "tasks.overdue",
      "tasks.dueToday",
    ])
    .executeTakeFirstOrThrow();
  const { unreadMessages, unreadNotifications, ...tasks } = row;
  return { unreadMessages, unreadNotifications, tasks };
}

async function myBlock(deps: AppDeps, userId: string, since: Date | null): Promise<CachedMe> {
  const [forum, useCases] = await Promise.all([
    personForumCounts(deps, userId, since),
    countPublishedWhere(deps.db, { ownerId: userId }, since),
  ]);
  return { ...forum, useCases };
}

async function organizationBlock(deps: AppDeps, orgId: string, since: Date | null): Promise<Org> {
  const [members, bytes, forum, useCases] = await Promise.all([
    memberCounts(deps.db, orgId, since ?? new Date(0)),
    storageBytes(deps.db, orgId),
    forumCountsOf(deps, orgId, since),
    countPublishedWhere(deps.db, { organizationId: orgId }, since),
  ]);
  return {
    members: Number(members.memberCount),
    activeMembers: Number(members.activeMembers30d),
    topics: forum.topics,
    posts: forum.posts,
    useCases,
    storageBytes: Number(bytes),
  };
}

async function platformBlock(deps: AppDeps, since: Date | null): Promise<Platform> {
  const [organizations, people, topics, useCasesPublished] = await Promise.all([
    countOrganizations(deps.db),
    countActiveUsers(deps.db),
    platformTopicCount(deps, since),
    countPublishedWhere(deps.db, {}, since),
  ]);
  return { organizations, people, topics, useCasesPublished };
}
