import type { AppDeps } from "../../deps";
import { authInvalidation } from "../auth/provider";
import { TtlCache } from "../auth/ttl-cache";
import { type Channel, defineChannel, type EventBus } from "./bus";

/**
 * List pages (or counts) cached on each node, for reads far more frequent than the changes to them
 * (topic lists, use-case browsing, global search, task counts). Every committed write that changes
 * what a page shows calls `changed` once, and every node then drops all its pages, or with a
 * `scope` only the pages whose key starts with `<scope>|` (one owner's); so does every node on a
 * profile or organization change (the auth broadcast: pages show authors and organizations), on
 * any of `alsoDropOn`, and when the bus reconnects (a broadcast may have been missed). The TTL
 * bounds what a lost broadcast can keep. A read that a drop overtook is not stored (TtlCache.load).
 */
export function definePageCache<T>(
  name: string,
  opts: { ttlMs: number; maxPages: number; alsoDropOn?: readonly Channel<unknown>[] },
) {
  const changedChannel = defineChannel<{ scope?: string }>(name);
  /** One cache per event bus (per app instance): tests build several apps in one process. */
  const cachesByBus = new WeakMap<EventBus, TtlCache<T>>();

  function pagesOf(events: EventBus): TtlCache<T> {
    let pages = cachesByBus.get(events);
    if (!pages) {
      const cache = new TtlCache<T>(opts.ttlMs, opts.maxPages);
      const drop = () => cache.clear();
      events.subscribe(changedChannel, "all", ({ data }) => {
        if (data.scope === undefined) drop();
        else cache.deleteKeys((key) => key.startsWith(`${data.scope}|`));
      });
      for (const channel of opts.alsoDropOn ?? []) events.subscribe(channel, "all", drop);
      events.subscribe(authInvalidation, "all", ({ data }) => {
        if (data.userIds?.length || data.profileUserIds?.length || data.organizationIds?.length) drop();
      });
      events.onReconnect(drop);
      cachesByBus.set(events, cache);
      pages = cache;
    }
    return pages;
  }

  return {
    /** What `changed` broadcasts: other caches built on the same data drop with these pages (alsoDropOn). */
    channel: changedChannel,
    /** The page `read` answers for `key`, from this node's cache when it has it. */
    load: (deps: AppDeps, key: string, read: () => Promise<T>): Promise<T> => pagesOf(deps.events).load(key, read),
    /** The page for `key` if this node has it cached, else undefined (nothing is read). */
    cached: (deps: AppDeps, key: string): T | undefined => pagesOf(deps.events).get(key),
    /** After a committed write that changes what a page shows: every node drops its pages (of `scope`). */
    changed: (deps: AppDeps, scope?: string): Promise<void> =>
      deps.events.broadcast(changedChannel, "all", scope === undefined ? {} : { scope }),
  };
}
