import { randomUUID } from "node:crypto";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { RedisClients } from "../redis/redis";
import { StoreUnavailableError, unavailableStore, warnStoreUnavailable } from "../store-errors";
import { decodeEvent, encodeEvent } from "./codec";

/** A typed event channel family, e.g. `forum.topic`; events are published to one key in it (a topic id). */
export interface Channel<T> {
  readonly name: string;
  /** Phantom field: carries the event type, never set. */
  readonly _event?: T;
}
export const defineChannel = <T>(name: string): Channel<T> => ({ name });

export interface BusEvent<T> {
  /** Redis stream id ("ms-seq"): ordered per channel key, usable as a resume cursor. */
  id: string;
  data: T;
}

/** The id of broadcast (backlog-less) events. */
export const EPHEMERAL_EVENT_ID = "0-0";

/**
 * What a resumable stream says instead of events it cannot replay: the subscriber refetches
 * through ordinary reads, then keeps listening. Also published into a channel key's backlog for
 * events that may have been lost while Redis was down. (`ResyncEvent` in @p2p/schemas.)
 */
export const RESYNC = { type: "resync" } as const;
export type Resync = typeof RESYNC;

/** A channel key's backlog after an event id, and whether it provably holds every event since. */
export interface Replay<T> {
  events: BusEvent<T>[];
  /** False when events after the id may be gone: trimmed, expired, or lost by a Redis restart. */
  complete: boolean;
  /** The newest id in the backlog (null when it has none): where a stream resumes after a resync. */
  latestId: string | null;
}

/**
 * A listener as an object: what a node holds thousands of (one per idle subscription) is then one
 * object in the key's set, no closure. `disconnected` runs when the subscriber connection drops
 * (events published from then on may not arrive live), `reconnect` when Redis is back after the
 * outage and every channel is subscribed again (see `onReconnect`).
 */
export interface ChannelListener<T> {
  event(event: BusEvent<T>): void;
  disconnected?(): void;
  reconnect?(): void;
}

type Listener = ((event: BusEvent<unknown>) => void) | ChannelListener<unknown>;

/** Publishes and broadcasts Redis could not take; sent once it is back. */
interface Deferred {
  topic: string;
  kind: "publish" | "broadcast";
  payload: string;
}
/** Deferred sends kept at most; past it a channel key gets a resync marker instead of its events. */
const MAX_DEFERRED = 10_000;
/** How long a new subscription waits for Redis to confirm it before failing as unavailable. */
const SUBSCRIBE_TIMEOUT_MS = 3_000;

// Appends to the channel's capped backlog and publishes in one atomic round trip, so an event is
// either both replayable and delivered live, or neither.
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[1], ARGV[4] .. '|' .. id .. '|' .. ARGV[2])
return id`;

// The backlog from `lastEventId` (inclusive, so the caller sees whether it is still there) and how
// many entries were ever trimmed from it (Redis 7's XINFO STREAM entries-added minus length; 0 on
// older servers); {0} when there is no backlog.
const REPLAY_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+')
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local length, added = 0, nil
for i = 1, #info, 2 do
  if info[i] == 'length' then length = info[i + 1] end
  if info[i] == 'entries-added' then added = info[i + 1] end
end
return {1, entries, added and (added - length) or 0}`;

export interface EventBusOptions {
  /** Events kept per channel key for resume. */
  backlog?: number;
  /** How long an idle channel's backlog lives. */
  backlogTtlMs?: number;
  /** Counts publishes and measures the delivery lag of other nodes' events. */
  metrics?: Metrics;
}

/**
 * Redis pub/sub to every node (broadcasts also in process at once), with a capped Redis Stream per
 * channel key as the backlog a reconnecting subscriber replays from.
 */
export class EventBus {
  private readonly nodeId = randomUUID();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly deferred: Deferred[] = [];
  private flushing = false;
  private readonly backlog: number;
  private readonly backlogTtlMs: number;
  private readonly metrics: Metrics | undefined;

  constructor(
    private readonly redis: RedisClients,
    private readonly logger: Logger,
    options: EventBusOptions = {},
  ) {
    this.backlog = options.backlog ?? 1_000;
    this.backlogTtlMs = options.backlogTtlMs ?? 24 * 60 * 60 * 1000;
    this.metrics = options.metrics;
    redis.subscriber.on("message", (topic: string, message: string) => this.onRedisMessage(topic, message));
    // Every 'ready' after the first is a reconnect (the first may have passed before this runs).
    // ioredis has re-sent SUBSCRIBE for every channel by then; a PING on the same connection
    // answers after those, so the channels are live again before streams read what they missed.
    let connected = redis.subscriber.status === "ready";
    // Listeners hear of a drop once per outage, not at each failed reconnect attempt ("close" again).
    let live = connected;
    redis.subscriber.on("close", () => {
      if (!live) return;
      live = false;
      for (const listener of this.listenerObjects()) listener.disconnected?.();
    });
    redis.subscriber.on("ready", () => {
      live = true;
      if (!connected) {
        connected = true;
        return;
      }
      const notify = () => {
        for (const listener of this.reconnectListeners) listener();
        for (const listener of this.listenerObjects()) listener.reconnect?.();
      };
      redis.subscriber.ping().then(
        // Streams read the backlog through the command connection: wait for it too.
        () => (redis.command.status === "ready" ? notify() : redis.command.once("ready", notify)),
        (err) => this.logger.warn({ err: String(err) }, "redis resubscribe check failed"),
      );
    });
    redis.command.on("ready", () => void this.flushDeferred());
  }

  /** Every listener object of every channel key: what hears of the subscriber's outages. */
  private *listenerObjects(): Generator<ChannelListener<unknown>> {
    for (const set of this.listeners.values())
      for (const listener of set) if (typeof listener !== "function") yield listener;
  }

  /** Events held in memory while Redis is unreachable (for the metrics). */
  get deferredCount(): number {
    return this.deferred.length;
  }

  private topic(channel: Channel<unknown>, key: string): string {
    return `${this.redis.prefix}ev:${channel.name}:${key}`;
  }

  /**
   * Appends to the channel key's backlog and tells every node's listeners. Publishing follows a
   * committed write, so a Redis outage does not fail it: the event is kept in memory and published
   * once Redis is back (resolving null now), or, when it may already have reached Redis (the
   * connection dropped mid-call), replaced by a resync marker so subscribers refetch instead of
   * seeing it twice.
   */
  async publish<T>(channel: Channel<T>, key: string, data: T): Promise<string | null> {
    const topic = this.topic(channel, key);
    const payload = encodeEvent(data);
    this.metrics?.eventPublished(channel.name, "publish");
    try {
      return await this.append(topic, payload);
    } catch (err) {
      if (!unavailableStore(err)) throw err;
      warnStoreUnavailable(this.logger, "redis", err, { topic, deferred: true });
      // Refused before sending (no connection): safe to send later. Anything else may have run.
      const neverSent = /enableOfflineQueue/.test(String(err));
      this.defer({ topic, kind: "publish", payload: neverSent ? payload : encodeEvent(RESYNC) });
      return null;
    }
  }

  /**
   * Every node's listeners, this node's included, hear a backlog event through Redis pub/sub: Redis
   * publishes in the order it appends, so events arrive in id order. Delivering its own events in
   * process once the append answered let another node's newer event overtake one, and a stream,
   * which passes each id on once and in order, dropped the older one as already seen.
   */
  private async append(topic: string, payload: string): Promise<string> {
    return (await this.redis.command.eval(
      PUBLISH_SCRIPT,
      1,
      topic,
      this.backlog,
      payload,
      this.backlogTtlMs,
      this.nodeId,
    )) as string;
  }

  private defer(item: Deferred): void {
    if (this.deferred.length >= MAX_DEFERRED) {
      // Keep memory bounded: the oldest send is dropped and its key told to resync.
      const dropped = this.deferred.shift() as Deferred;
      if (dropped.kind === "publish" && !this.deferred.some((d) => d.topic === dropped.topic && d.kind === "publish"))
        this.deferred.push({ topic: dropped.topic, kind: "publish", payload: encodeEvent(RESYNC) });
    }
    this.deferred.push(item);
  }

  /** Sends what Redis could not take, in order, once the command connection is back. */
  private async flushDeferred(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.deferred.length) {
        const item = this.deferred[0] as Deferred;
        if (item.kind === "publish") await this.append(item.topic, item.payload);
        else await this.redis.command.publish(item.topic, `${this.nodeId}|${EPHEMERAL_EVENT_ID}|${item.payload}`);
        this.deferred.shift();
      }
    } catch (err) {
      this.logger.warn({ err: String(err), left: this.deferred.length }, "deferred events not sent yet");
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Delivers to every node's current listeners without a backlog: for signals that only matter
   * now, such as cache invalidation or typing indicators.
   */
  async broadcast<T>(channel: Channel<T>, key: string, data: T): Promise<void> {
    const topic = this.topic(channel, key);
    const payload = encodeEvent(data);
    this.metrics?.eventPublished(channel.name, "broadcast");
    this.deliver(topic, { id: EPHEMERAL_EVENT_ID, data });
    try {
      await this.redis.command.publish(topic, `${this.nodeId}|${EPHEMERAL_EVENT_ID}|${payload}`);
    } catch (err) {
      // Other nodes hear it once Redis is back (an invalidation must not be lost).
      if (!unavailableStore(err)) throw err;
      warnStoreUnavailable(this.logger, "redis", err, { topic, deferred: true });
      this.defer({ topic, kind: "broadcast", payload });
    }
  }

  /**
   * Listens to one channel key; returns the function that stops listening (or call `unsubscribe`).
   * A listener object is also told when Redis is back after an outage.
   */
  subscribe<T>(
    channel: Channel<T>,
    key: string,
    listener: ((event: BusEvent<T>) => void) | ChannelListener<T>,
  ): () => void {
    const topic = this.topic(channel, key);
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
      this.subscribed.set(
        topic,
        this.redis.subscriber.subscribe(topic).then(
          () => undefined,
          (err) => this.logger.error({ err, topic }, "subscribe failed"),
        ),
      );
    }
    set.add(listener as Listener);
    return () => this.unsubscribe(channel, key, listener);
  }

  /** Stops `listener` listening to the channel key (what `subscribe` returns does the same). */
  unsubscribe<T>(
    channel: Channel<T>,
    key: string,
    listener: ((event: BusEvent<T>) => void) | ChannelListener<T>,
  ): void {
    const topic = this.topic(channel, key);
    const current = this.listeners.get(topic);
    if (!current?.delete(listener as Listener) || current.size > 0) return;
    this.listeners.delete(topic);
    this.subscribed.delete(topic);
    this.redis.subscriber.unsubscribe(topic).catch((err) => this.logger.warn({ err, topic }, "unsubscribe failed"));
  }

  /**
   * Resolves once Redis has confirmed the subscription, i.e. once other nodes' events reach this
   * node. Read the backlog only after this, or an event published in between is missed. While
   * Redis is down it fails after a few seconds (store unavailable); the subscription itself stays
   * queued until the listener stops.
   */
  async whenSubscribed<T>(channel: Channel<T>, key: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.subscribed.get(this.topic(channel, key)),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new StoreUnavailableError("redis", "Redis did not confirm a subscription in time")),
            SUBSCRIBE_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Calls `listener` each time the subscriber connection is back after an outage, once every
   * channel is subscribed again: a stream then replays what it missed meanwhile. Returns the
   * function that stops it.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /**
   * The backlog after `lastEventId`, and whether it is complete: the id must still be in the
   * backlog (else events after it were trimmed, expired with the key, or lost when Redis
   * restarted). For `EPHEMERAL_EVENT_ID` ("saw no event yet": the backlog was empty when the
   * subscriber started) it is complete unless the backlog was ever trimmed.
   */
  async replay<T>(channel: Channel<T>, key: string, lastEventId: string): Promise<Replay<T>> {
    const topic = this.topic(channel, key);
    const reply = (await this.redis.command.eval(REPLAY_SCRIPT, 1, topic, lastEventId)) as
      | [0]
      | [1, [string, string[]][], number];
    if (reply[0] === 0) return { events: [], complete: lastEventId === EPHEMERAL_EVENT_ID, latestId: null };
    const [, entries, trimmed] = reply;
    const events = entries.map(([id, fields]) => ({ id, data: decodeEvent<T>(fields[1]) }));
    const latestId = events.at(-1)?.id ?? null;
    if (lastEventId === EPHEMERAL_EVENT_ID) return { events, complete: trimmed === 0, latestId };
    const present = events[0]?.id === lastEventId;
    return { events: present ? events.slice(1) : events, complete: present, latestId };
  }

  /** Backlog events after `lastEventId` (exclusive), oldest first. */
  async since<T>(channel: Channel<T>, key: string, lastEventId: string): Promise<BusEvent<T>[]> {
    const entries = await this.redis.command.xrange(this.topic(channel, key), `(${lastEventId}`, "+");
    return entries.map(([id, fields]) => ({ id, data: decodeEvent<T>(fields[1]) }));
  }

  /** The newest backlog id of a channel key, or null when it has none. */
  async latestId<T>(channel: Channel<T>, key: string): Promise<string | null> {
    const [entry] = await this.redis.command.xrevrange(this.topic(channel, key), "+", "-", "COUNT", 1);
    return entry?.[0] ?? null;
  }

  private onRedisMessage(topic: string, message: string): void {
    if (!this.listeners.has(topic)) return;
    const first = message.indexOf("|");
    const second = message.indexOf("|", first + 1);
    const id = message.slice(first + 1, second);
    // A broadcast of this node's own was delivered in process already; backlog events come only here.
    if (id === EPHEMERAL_EVENT_ID && message.slice(0, first) === this.nodeId) return;
    this.deliver(topic, { id, data: decodeEvent(message.slice(second + 1)) });
    // A backlog event's id starts with the time Redis appended it ("ms-seq"); broadcasts have none.
    if (this.metrics && id !== EPHEMERAL_EVENT_ID) this.metrics.eventDelivered(Date.now() - Number.parseInt(id, 10));
  }

  private deliver(topic: string, event: BusEvent<unknown>): void {
    for (const listener of this.listeners.get(topic) ?? []) {
      try {
        if (typeof listener === "function") listener(event);
        else listener.event(event);
      } catch (err) {
        this.logger.error({ err, topic }, "event listener failed");
      }
    }
  }
}

/** Orders two stream ids ("ms-seq"); negative when a is older. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am - bm || as - bs;
}
