import { type TrackedEnvelope, tracked } from "@trpc/server";
import { type BusEvent, type Channel, compareEventIds, type EventBus } from "../infra/events/bus";

/**
 * A subscription body: live events of one channel key, resumable from `lastEventId`.
 * Attaches the live listener first, then replays the backlog, dropping duplicates by id, so an
 * event published during the replay is neither lost nor sent twice (tRPC's chat example pattern).
 */
export async function* streamChannel<T>(
  bus: EventBus,
  channel: Channel<T>,
  key: string,
  opts: { lastEventId?: string | null; signal?: AbortSignal },
): AsyncGenerator<TrackedEnvelope<T>> {
  const queue: BusEvent<T>[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const stop = bus.subscribe(channel, key, (event) => {
    queue.push(event);
    notify();
  });
  opts.signal?.addEventListener("abort", notify, { once: true });
  try {
    let last = opts.lastEventId ?? null;
    if (last) {
      for (const event of await bus.since(channel, key, last)) {
        last = event.id;
        yield tracked(event.id, event.data);
      }
    }
    while (!opts.signal?.aborted) {
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (last && compareEventIds(event.id, last) <= 0) continue;
      last = event.id;
      yield tracked(event.id, event.data);
    }
  } finally {
    stop();
    opts.signal?.removeEventListener("abort", notify);
  }
}
