import { type BusEvent, type Channel, compareEventIds, EPHEMERAL_EVENT_ID, type EventBus } from "./bus";

/**
 * Live events of one channel key, resumable from `lastEventId`.
 * Attaches the live listener first, then replays the backlog, dropping duplicates by id, so an
 * event published during the replay is neither lost nor sent twice (tRPC's chat example pattern).
 */
export async function* streamChannel<T>(
  bus: EventBus,
  channel: Channel<T>,
  key: string,
  opts: { lastEventId?: string | null; signal?: AbortSignal; maxQueued?: number },
): AsyncGenerator<BusEvent<T>> {
  // A slow client must not grow the queue without bound: past this, the queue is dropped and the
  // stream catches up from the backlog instead (losing nothing the backlog still holds).
  const maxQueued = opts.maxQueued ?? 1_000;
  const queue: BusEvent<T>[] = [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const stop = bus.subscribe(channel, key, (event) => {
    if (overflowed) return;
    if (queue.length >= maxQueued) {
      overflowed = true;
      queue.length = 0;
    } else queue.push(event);
    notify();
  });
  opts.signal?.addEventListener("abort", notify, { once: true });
  try {
    await bus.whenSubscribed(channel, key);
    // A new subscriber starts after the newest backlog event; a resuming one replays what it missed.
    let last = opts.lastEventId ?? (await bus.latestId(channel, key));
    if (opts.lastEventId) {
      for (const event of await bus.since(channel, key, opts.lastEventId)) {
        last = event.id;
        yield event;
      }
    }
    while (!opts.signal?.aborted) {
      if (overflowed) {
        overflowed = false;
        queue.unshift(...(last ? await bus.since(channel, key, last) : []));
      }
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      // Ephemeral broadcasts (typing, presence) are not in the backlog: they carry the id of the
      // last real event, so a client resuming after one neither skips nor repeats anything.
      if (event.id === EPHEMERAL_EVENT_ID) {
        yield { id: last ?? EPHEMERAL_EVENT_ID, data: event.data };
        continue;
      }
      if (last && compareEventIds(event.id, last) <= 0) continue;
      last = event.id;
      yield event;
    }
  } finally {
    stop();
    opts.signal?.removeEventListener("abort", notify);
  }
}
