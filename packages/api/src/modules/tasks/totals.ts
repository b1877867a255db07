import type { AppDeps } from "../../deps";
import { definePageCache } from "../../infra/events/page-cache";

/**
 * Task counts (`tasks.list` with `withTotal`) cached per node for each owner and filter
 * (infra/events/page-cache.ts): paging through a list, or coming back to it, would count the same
 * thousands of rows again for every page. Dropped on every node for the owner by each committed
 * change of their tasks; the 10 s TTL bounds what time alone changes (a task becoming overdue or
 * due today).
 */
const totals = definePageCache<number>("tasks.totals", { ttlMs: 10_000, maxPages: 5_000 });

/** How many of the owner's tasks match `filter`, from this node's cache when it has it. */
export const cachedTotal = (deps: AppDeps, ownerId: string, filter: object, count: () => Promise<number>) =>
  totals.load(deps, `${ownerId}|${JSON.stringify(filter)}`, count);

/** After a committed change of the owner's tasks: every node drops the owner's counts. */
export const tasksChanged = (deps: AppDeps, ownerId: string): Promise<void> => totals.changed(deps, ownerId);
