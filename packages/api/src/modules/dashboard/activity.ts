import { type ActivityItem, ActivityType, type DashboardActivityInput } from "@p2p/schemas";
import { z } from "zod";
import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { decodeCursor, encodeCursor, toPage } from "../../lib/pagination";
import { type ActivityEvent, listActivity } from "../activity/repo";
import { topicsSeenBy } from "../forums/repo";
import { findRows } from "../useCases/repo";
import { loadAuthors } from "../users/authors";
import { toItem } from "./live";

const Cursor = z.tuple([z.uuid()]);
/** Reads of raw events per page (2 × the page each): hidden ones make a page need more than one. */
const MAX_ROUNDS = 5;

/**
 * A page of the activity feed, newest first. Scope `me`: the caller's own events; `organization`:
 * their organization's people's; `platform`: events visible platform-wide. Only forum and
 * use-case kinds (never direct messages), and visibility is decided now, at read time: an event
 * shows only while its topic is live and visible to the caller's organization, or its use case is
 * published (drafts never), with the subject's current title.
 */
export async function activityFeed(deps: AppDeps, caller: Principal, input: z.output<typeof DashboardActivityInput>) {
  const cursor = decodeCursor(input.cursor, Cursor);
  const filter =
    input.scope === "me"
      ? { actorId: caller.userId }
      : input.scope === "organization"
        ? { organizationId: caller.organizationId }
        : { visibility: "platform" as const };
  const types = input.types?.length ? input.types : ActivityType.options;
  const shown: { event: ActivityEvent; title: string }[] = [];
  let before = cursor?.[0] ?? null;
  const batch = input.limit + 1;
  /** Whether older events are left unread: the rounds ran out before the page filled. */
  let more = false;
  for (let round = 0; shown.length < batch; round++) {
    if (round === MAX_ROUNDS) {
      more = true;
      break;
    }
    const events = await listActivity(deps.mongo, filter, types, before, batch * 2);
    const titles = await visibleTitles(deps, caller, events);
    for (const event of events) {
      const title = titles.get(event.subjectId);
      if (title !== undefined) shown.push({ event, title });
      if (shown.length === batch) break;
    }
    if (events.length < batch * 2) break;
    before = (events[events.length - 1] as ActivityEvent)._id;
  }
  const actors = await loadAuthors(deps, new Set(shown.map((s) => s.event.actorId)));
  const page = toPage(
    shown,
    input.limit,
    (s) => [s.event._id],
    (s): ActivityItem => toItem(s.event, actors.get(s.event.actorId) ?? null, s.title),
  );
  // Many hidden events in a row (a deleted busy topic): a short page, and a cursor past what was
  // read, so the next page goes on reading instead of the feed seeming to end.
  return more && before ? { ...page, nextCursor: encodeCursor([before]) } : page;
}

/** The current titles of the subjects the caller may see now; subjects absent from the map are hidden. */
async function visibleTitles(deps: AppDeps, caller: Principal, events: readonly ActivityEvent[]) {
  const topicIds = new Set<string>();
  const useCaseIds = new Set<string>();
  for (const e of events) (e.type.startsWith("forum.") ? topicIds : useCaseIds).add(e.subjectId);
  const [topics, useCases] = await Promise.all([
    topicsSeenBy(deps.db, caller.organizationId, [...topicIds]),
    findRows(deps.db, [...useCaseIds]),
  ]);
  const titles = new Map<string, string>();
  for (const t of topics) if (t.visible && !t.deletedAt) titles.set(t.id, t.title);
  for (const u of useCases) if (u.status === "published" && !u.deletedAt) titles.set(u.id, u.title);
  return titles;
}
