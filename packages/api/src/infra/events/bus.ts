import { randomUUID } from "node:crypto";
import type { Logger } from "../logger";
import type { RedisClients } from "../redis/redis";

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

type Listener = (event: BusEvent<unknown>) => void;

// Appends to the channel's capped backlog and publishes in one atomic round trip, so an event is
// either both replayable and delivered live, or neither.
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[1], ARGV[4] .. '|' .. id .. '|' .. ARGV[2])
return id`;

export interface EventBusOptions {
  /** Events kept per channel key for resume. */
  backlog?: number;
  /** How long an idle channel's backlog lives. */
  backlogTtlMs?: number;
}

/**
 * In-process delivery plus Redis pub/sub between nodes, with a capped Redis Stream per channel key
 * as the backlog a reconnecting subscriber replays from.
 */
export class EventBus {
  private readonly nodeId = randomUUID();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private readonly backlog: number;
  private readonly backlogTtlMs: number;

  constructor(
    private readonly redis: RedisClients,
    private readonly logger: Logger,
    options: EventBusOptions = {},
  ) {
    this.backlog = options.backlog ?? 1_000;
    this.backlogTtlMs = options.backlogTtlMs ?? 24 * 60 * 60 * 1000;
    redis.subscriber.on("message", (topic: string, message: string) => this.onRedisMessage(topic, message));
  }

  private topic(channel: Channel<unknown>, key: string): string {
    return `${this.redis.prefix}ev:${channel.name}:${key}`;
  }

  async publish<T>(channel: Channel<T>, key: string, data: T): Promise<string> {
    const topic = this.topic(channel, key);
    const payload = JSON.stringify(data);
    const id = (await this.redis.command.eval(
      PUBLISH_SCRIPT,
      1,
      topic,
      this.backlog,
      payload,
      this.backlogTtlMs,
      this.nodeId,
    )) as string;
    this.deliver(topic, { id, data });
    return id;
  }

  /**
   * Delivers to every node's current listeners without a backlog: for signals that only matter
   * now, such as cache invalidation or typing indicators.
   */
  async broadcast<T>(channel: Channel<T>, key: string, data: T): Promise<void> {
    const topic = this.topic(channel, key);
    const payload = JSON.stringify(data);
    this.deliver(topic, { id: EPHEMERAL_EVENT_ID, data });
    await this.redis.command.publish(topic, `${this.nodeId}|${EPHEMERAL_EVENT_ID}|${payload}`);
  }

  /** Listens to one channel key; returns the function that stops listening. */
  subscribe<T>(channel: Channel<T>, key: string, listener: (event: BusEvent<T>) => void): () => void {
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
    return () => {
      const current = this.listeners.get(topic);
      if (!current?.delete(listener as Listener) || current.size > 0) return;
      this.listeners.delete(topic);
      this.subscribed.delete(topic);
      this.redis.subscriber.unsubscribe(topic).catch((err) => this.logger.warn({ err, topic }, "unsubscribe failed"));
    };
  }

  /**
   * Resolves once Redis has confirmed the subscription, i.e. once other nodes' events reach this
   * node. Read the backlog only after this, or an event published in between is missed.
   */
  async whenSubscribed<T>(channel: Channel<T>, key: string): Promise<void> {
    await this.subscribed.get(this.topic(channel, key));
  }

  /** Backlog events after `lastEventId` (exclusive), oldest first. */
  async since<T>(channel: Channel<T>, key: string, lastEventId: string): Promise<BusEvent<T>[]> {
    const entries = await this.redis.command.xrange(this.topic(channel, key), `(${lastEventId}`, "+");
    return entries.map(([id, fields]) => ({ id, data: JSON.parse(fields[1] ?? "null") as T }));
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
    if (message.slice(0, first) === this.nodeId) return; // delivered in-process already
    this.deliver(topic, { id: message.slice(first + 1, second), data: JSON.parse(message.slice(second + 1)) });
  }

  private deliver(topic: string, event: BusEvent<unknown>): void {
    for (const listener of this.listeners.get(topic) ?? []) {
      try {
        listener(event);
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
