import type { AppDeps } from "../../deps";
import { TtlCache } from "../../infra/auth/ttl-cache";
import { defineChannel, type EventBus } from "../../infra/events/bus";

/**
 * Task counts (`tasks.list` with `withTotal`) cached per node for each owner and filter: paging
 * through a list, or coming back to it, would count the same thousands of rows again for every
 * page. Dropped on every node for the owner by each committed change of their tasks
 * (`ownerTasksChanged`) and when the bus reconnects; the 10 s TTL bounds what time alone changes
 * (a task becoming overdue or due today).
 */
const ownerTasksChanged = defineChannel<{ ownerId: string }>("tasks.changed");

interface Total {
  ownerId: string;
  n: number;
}

/** One cache per event bus (per app instance): tests build several apps in one process. */
const cachesByBus = new WeakMap<EventBus, TtlCache<Total>>();

function totalsOf(events: EventBus): TtlCache<Total> {
  let totals = cachesByBus.get(events);
  if (!totals) {
    const cache = new TtlCache<Total>(10_000, 5_000);
    events.subscribe(ownerTasksChanged, "all", ({ data }) => cache.deleteWhere((t) => t.ownerId === data.ownerId));
    events.onReconnect(() => cache.clear());
    cachesByBus.set(events, cache);
    totals = cache;
  }
  return totals;
}

/** How many of the owner's tasks match `filter`, from this node's cache when it has it. */
export async function cachedTotal(
  deps: AppDeps,
  ownerId: string,
  filter: object,
  count: () => Promise<number>,
): Promise<number> {
  const total = await totalsOf(deps.events).load(`${ownerId}|${JSON.stringify(filter)}`, async () => ({
    ownerId,
    n: await count(),
  }));
  return total.n;
}

/** After a committed change of the owner's tasks: every node drops the owner's counts. */
export const tasksChanged = (deps: AppDeps, ownerId: string): Promise<void> =>
  deps.events.broadcast(ownerTasksChanged, "all", { ownerId });
