import { endsAtOnce, type Fusable, fuse, HookChain, type IteratorHooks } from "../../lib/iterators";
import {
  type BusEvent,
  type Channel,
  type ChannelListener,
  compareEventIds,
  EPHEMERAL_EVENT_ID,
  type EventBus,
  RESYNC,
  type Resync,
} from "./bus";

export interface StreamChannelOptions<T = unknown> {
  /** Resume after this event id (the client's last one); without it the stream starts after the newest. */
  lastEventId?: string | null;
  /** Ends the stream when it aborts. */
  signal?: AbortSignal;
  /** Events queued for a slow subscriber before it catches up from the backlog instead (1,000). */
  maxQueued?: number;
  /**
   * Replayed events as they stand now. The backlog keeps each event as it was published, and a
   * client may resume from any id it names: what was edited or deleted since must not come back
   * as it was (a channel's module knows how to read it again). Live events pass as they are.
   */
  current?(events: BusEvent<T>[]): Promise<BusEvent<T>[]>;
}

/** What `streamChannel` returns: an async iterator whose `return()` ends it at once. */
export interface EventStream<T> extends AsyncIterableIterator<T>, AsyncDisposable {
  return(value?: unknown): Promise<IteratorReturnResult<undefined>>;
}

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
 *
 * The listener attaches on the first `next()`; the stream ends on `signal`, on `return()` (at once,
 * also mid-wait), or when the backlog cannot be read.
 */
export function streamChannel<T>(
  bus: EventBus,
  channel: Channel<T>,
  key: string,
  opts: StreamChannelOptions<T> = {},
): EventStream<BusEvent<T | Resync>> {
  return new ChannelStream<T>(bus, channel, key, opts);
}

/**
 * A `current` for a channel whose events carry one subject each (a post, a message): the subjects
 * the replayed events name (`subjectOf`, null for events without one) are read again in one call,
 * and each such event is rebuilt around its subject as it is now, or dropped once the subject is gone.
 */
export async function withCurrentSubjects<T, S>(
  events: BusEvent<T>[],
  subjectOf: (data: T) => string | null,
  read: (ids: string[]) => Promise<Map<string, S>>,
  rebuild: (data: T, subject: S) => T,
): Promise<BusEvent<T>[]> {
  const ids = new Set<string>();
  for (const { data } of events) {
    const id = subjectOf(data);
    if (id !== null) ids.add(id);
  }
  if (!ids.size) return events;
  const now = await read([...ids]);
  return events.flatMap((event) => {
    const id = subjectOf(event.data);
    if (id === null) return [event];
    const subject = now.get(id);
    return subject === undefined ? [] : [{ id: event.id, data: rebuild(event.data, subject) }];
  });
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
type Settle = (result: IteratorResult<unknown> | Promise<never>) => void;

/**
 * `streamChannel` as one plain object: it is the bus listener itself (no closures), parks one
 * pending `next()` while idle, allocates its queue only while the subscriber is behind, and takes
 * the layers above it (tracked ids, error mapping, presence, the access guard) as fused hooks.
 * A node holds thousands of these, one per idle subscription.
 */
class ChannelStream<T>
  extends HookChain
  implements EventStream<BusEvent<T | Resync>>, Fusable<BusEvent<T | Resync>>, ChannelListener<T>
{
  readonly [endsAtOnce] = true;
  /** Events received and not yet pulled: only while the subscriber is behind (or starting). */
  private queue: BusEvent<T | Resync>[] | null = null;
  /** The id of the last event passed on: newer ones only, each once. */
  private last: string | null = null;
  private started = false;
  private ended = false;
  /** Reading the backlog (start, catch-up): events wait in the queue meanwhile. */
  private busy = false;
  /** The queue overflowed and was dropped: catch up from the backlog. */
  private overflowed = false;
  /**
   * The subscriber connection dropped: events published since may have been missed. Live events
   * wait in the queue until the backlog has been read (once Redis is back): one passed on before
   * would move `last` past the ones missed, and the catch-up would then skip them.
   */
  private missing = false;
  /** Redis came back after an outage: events of other nodes may have been missed. */
  private reconnected = false;
  /** Settles the pending `next()`. */
  private settle: Settle | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly channel: Channel<T>,
    private readonly key: string,
    private readonly opts: StreamChannelOptions<T>,
  ) {
    super();
  }

  [fuse]<U>(hooks: IteratorHooks<BusEvent<T | Resync>, U>): AsyncIterableIterator<U> {
    this.addHooks(hooks);
    return this as unknown as AsyncIterableIterator<U>;
  }

  next(): Promise<IteratorResult<BusEvent<T | Resync>>> {
    // Returned before its first pull (e.g. by an access guard): it never starts, its hooks never run.
    if (!this.started && !this.ended) this.begin();
    if (this.closing) this.end();
    if (this.ended) return Promise.resolve(DONE);
    const ready = this.poll();
    if (ready) return Promise.resolve(ready as IteratorResult<BusEvent<T | Resync>>);
    return new Promise((resolve) => {
      this.settle = resolve as Settle;
    });
  }

  return(): Promise<IteratorReturnResult<undefined>> {
    this.end();
    return Promise.resolve(DONE);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.end();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** The bus listener: a live event of the key. */
  event(event: BusEvent<T>): void {
    if (this.ended || this.overflowed) return;
    if (this.settle && !this.busy && !this.missing && !this.reconnected && !this.queue?.length) {
      // Idle and waiting: straight to the subscriber, no queue.
      const out = this.accept(event);
      if (out) this.resolve(this.emit(out));
      return;
    }
    this.queue ??= [];
    const queue = this.queue;
    if (queue.length >= (this.opts.maxQueued ?? 1_000)) {
      // A slow client must not grow the queue without bound: past this, the queue is dropped and the
      // stream catches up from the backlog instead (losing nothing the backlog still holds).
      this.overflowed = true;
      this.queue = null;
    } else queue.push(event);
    this.wake();
  }

  /** The bus listener: the subscriber connection dropped; hold live events until caught up. */
  disconnected(): void {
    this.missing = true;
  }

  /** The bus listener: Redis is back after an outage; read what was missed. */
  reconnect(): void {
    if (this.ended) return;
    this.reconnected = true;
    this.wake();
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.end();
  }

  private begin(): void {
    this.started = true;
    const { signal } = this.opts;
    if (signal?.aborted) {
      this.end();
      return;
    }
    signal?.addEventListener("abort", this);
    this.busy = true;
    // `open` asks for the newest id before the hooks run, so whatever a hook makes visible (presence
    // says the caller is online) happens after the point this stream starts from.
    this.work(this.open());
    this.startHooks();
  }

  /**
   * Fixes where the stream starts (a new subscriber: after the newest backlog event as of now), then
   * listens, waits for Redis to confirm the listener, and replays what the backlog got in between.
   * Reading the start before listening is what loses nothing: an event is either before the start,
   * in the replay, or live; one both replayed and live is passed on once.
   */
  private async open(): Promise<void> {
    const from = this.opts.lastEventId ?? (await this.bus.latestId(this.channel, this.key)) ?? EPHEMERAL_EVENT_ID;
    if (this.ended) return;
    this.bus.subscribe(this.channel, this.key, this);
    await this.bus.whenSubscribed(this.channel, this.key);
    const missed = await this.replay(from);
    if (from !== EPHEMERAL_EVENT_ID) this.last = from;
    this.queue = this.queue ? [...missed, ...this.queue] : missed;
  }

  /** After an overflow or a Redis outage: what the backlog holds after the last event passed on. */
  private catchUp(): void {
    this.overflowed = false;
    this.missing = false;
    this.reconnected = false;
    this.busy = true;
    this.work(
      this.replay(this.last ?? EPHEMERAL_EVENT_ID).then((missed) => {
        // Overflowed again meanwhile: the next catch-up reads all of it.
        if (!this.overflowed) this.queue = this.queue ? [...missed, ...this.queue] : missed;
      }),
    );
  }

  /** What the backlog holds after `from`, or a resync (with the newest id) when it cannot tell. */
  private async replay(from: string): Promise<BusEvent<T | Resync>[]> {
    const { events, complete, latestId } = await this.bus.replay(this.channel, this.key, from);
    if (!complete) return [{ id: latestId ?? EPHEMERAL_EVENT_ID, data: RESYNC }];
    return events.length && this.opts.current ? this.opts.current(events) : events;
  }

  private work(step: Promise<void>): void {
    step.then(
      () => {
        this.busy = false;
        this.wake();
      },
      (err) => this.fail(err),
    );
  }

  /** The next event to pass on, or null (then a pending `next()` waits for `wake`). */
  private poll(): IteratorResult<unknown> | null {
    if (this.busy || this.ended) return null;
    // Until Redis is back, what is queued waits: the backlog it may have missed comes first.
    if (this.missing && !this.reconnected) return null;
    if (this.overflowed || this.reconnected) {
      this.catchUp();
      return null;
    }
    const queue = this.queue;
    while (queue?.length) {
      const out = this.accept(queue.shift() as BusEvent<T | Resync>);
      if (out) return this.emit(out);
    }
    this.queue = null;
    return null;
  }

  /** Drops what the subscriber already has; gives ephemeral events the last real id. */
  private accept(event: BusEvent<T | Resync>): BusEvent<T | Resync> | null {
    // A resync (from `replay`) covers everything up to the newest id; newer queued events follow.
    if (event.data === RESYNC) {
      this.last = event.id;
      return event;
    }
    // Ephemeral broadcasts (typing, presence) are not in the backlog: they carry the id of the
    // last real event, so a client resuming after one neither skips nor repeats anything.
    if (event.id === EPHEMERAL_EVENT_ID) return { id: this.last ?? EPHEMERAL_EVENT_ID, data: event.data };
    if (this.last && compareEventIds(event.id, this.last) <= 0) return null;
    this.last = event.id;
    return event;
  }

  private emit(event: BusEvent<T | Resync>): IteratorResult<unknown> {
    return { done: false, value: this.mapValue(event) };
  }

  private wake(): void {
    if (!this.settle) return;
    const ready = this.poll();
    if (ready) this.resolve(ready);
  }

  private resolve(result: IteratorResult<unknown> | Promise<never>): void {
    const settle = this.settle;
    this.settle = null;
    settle?.(result);
  }

  private fail(err: unknown): void {
    this.busy = false;
    if (this.ended) return;
    const settle = this.settle;
    this.settle = null;
    this.end();
    const error = this.mapFailure(err);
    settle?.(Promise.reject(error));
  }

  /** Stops listening and ends the stream: a pending `next()` resolves done. Once. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = null;
    if (this.started) this.bus.unsubscribe(this.channel, this.key, this);
    this.opts.signal?.removeEventListener("abort", this);
    this.resolve(DONE);
    this.endHooks();
  }
}
