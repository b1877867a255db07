import {
  type BusEvent,
  type Channel,
  compareEventIds,
  EPHEMERAL_EVENT_ID,
  type EventBus,
  RESYNC,
  type Resync,
} from "./bus";

/**
 * Live events of one channel key, resumable from `lastEventId`.
 * Attaches the live listener first, then replays the backlog, dropping duplicates by id, so an
 * event published during the replay is neither lost nor sent twice (tRPC's chat example pattern).
 *
 * When the backlog can no longer prove it holds everything after `lastEventId` (trimmed past it,
 * expired, lost in a Redis restart) the stream yields `{ type: "resync" }` first, carrying the
 * newest id, and continues live from there: the subscriber refetches instead of silently missing
 * events. A stream that stays open through a Redis outage replays what it missed once Redis is
 * back (the same rule: events, or a resync). A failure to read the backlog ends the stream with a
 * store-unavailable error; the client resubscribes with its last id and loses nothing.
 */
export async function* streamChannel<T>(
  bus: EventBus,
  channel: Channel<T>,
  key: string,
  opts: { lastEventId?: string | null; signal?: AbortSignal; maxQueued?: number },
): AsyncGenerator<BusEvent<T | Resync>> {
  // A slow client must not grow the queue without bound: past this, the queue is dropped and the
  // stream catches up from the backlog instead (losing nothing the backlog still holds).
  const maxQueued = opts.maxQueued ?? 1_000;
  const queue: BusEvent<T | Resync>[] = [];
  let overflowed = false;
  // Set when Redis came back after an outage: events of other nodes may have been missed.
  let reconnected = false;
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
  const stopReconnect = bus.onReconnect(() => {
    reconnected = true;
    notify();
  });
  opts.signal?.addEventListener("abort", notify, { once: true });
  /** What the backlog holds after `from`, or a resync (with the newest id) when it cannot tell. */
  const replay = async (from: string): Promise<BusEvent<T | Resync>[]> => {
    const { events, complete, latestId } = await bus.replay(channel, key, from);
    return complete ? events : [{ id: latestId ?? EPHEMERAL_EVENT_ID, data: RESYNC }];
  };
  try {
    await bus.whenSubscribed(channel, key);
    // A new subscriber starts after the newest backlog event; a resuming one replays what it missed.
    let last = opts.lastEventId ?? (await bus.latestId(channel, key));
    if (opts.lastEventId) {
      for (const event of await replay(opts.lastEventId)) {
        last = event.id;
        yield event;
      }
    }
    while (!opts.signal?.aborted) {
      if (overflowed || reconnected) {
        overflowed = false;
        reconnected = false;
        const missed = await replay(last ?? EPHEMERAL_EVENT_ID);
        const resync = missed.find((event) => event.data === RESYNC);
        if (resync) {
          // Everything up to the newest id is covered by the refetch; newer queued events follow.
          last = resync.id;
          yield resync;
        } else queue.unshift(...missed);
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
    stopReconnect();
    stop();
    opts.signal?.removeEventListener("abort", notify);
  }
}
