import { randomUUID } from "node:crypto";
import type { Logger } from "../logger";
import type { RedisClients } from "../redis/redis";

/** Who is present on one (scope, key), as every node is told it. */
export interface PresenceState {
  /** Distinct users present, on every node. */
  count: number;
  /** The first `listed` of them: a bounded list, however many are present. */
  userIds: string[];
}

/**
 * A kind of presence, e.g. the viewers of a forum topic (`forum.topic`, keyed by topic id) or the
 * participants of a conversation. `publish` tells everyone the state, typically as a backlog-less
 * broadcast on the scope's own event channel; one node calls it at most once per interval per key.
 */
export interface PresenceScope<C> {
  name: string;
  publish(ctx: C, key: string, state: PresenceState): Promise<void>;
}

export interface PresenceOptions {
  /** Users named in a state (`userIds`); `count` is always exact. */
  listed?: number;
  /** At most one published state per key per this interval, across all nodes. */
  minIntervalMs?: number;
  /**
   * A crowded key publishes less often: its interval is `count × perViewerMs` (between the min and
   * max), so a burst of N joins costs O(N) delivered messages, not O(N²).
   */
  perViewerMs?: number;
  maxIntervalMs?: number;
  /** One timer per node refreshes every local viewer this often, in one pipeline. */
  heartbeatMs?: number;
  /** A viewer not refreshed for this long (its node died) is dropped. */
  ttlMs?: number;
}

/** One (scope, key) with viewers on this node. */
interface Local {
  scope: string;
  key: string;
  /** The sorted set of `userId|nodeId` members scored by expiry; the gate throttles publishing. */
  set: string;
  gate: string;
  /** Local sessions per user: a user is one member per node, however many tabs. */
  users: Map<string, number>;
  /** Changes seen, and how many of them the last published state covers. */
  changes: number;
  published: number;
  timer: NodeJS.Timeout | null;
  publishing: boolean;
  /** When the gate lets this node publish again, as far as it knows. */
  nextAt: number;
}

// Drops expired members; if the gate is closed, returns {-1, its pttl}. Otherwise closes the gate for
// an interval that grows with the count, and returns {count, interval, first `listed` user ids}.
const PUBLISH_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return {-1, wait} end
local seen, count, listed = {}, 0, {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local user = string.match(member, '^[^|]+')
  if not seen[user] then
    seen[user] = true
    count = count + 1
    if #listed < tonumber(ARGV[2]) then listed[#listed + 1] = user end
  end
end
local interval = math.floor(math.min(math.max(tonumber(ARGV[3]), count * tonumber(ARGV[4])), tonumber(ARGV[5])))
redis.call('SET', KEYS[2], '1', 'PX', interval)
return {count, interval, unpack(listed)}`;

const dirty = (local: Local) => local.changes !== local.published;

/**
 * Presence per (scope, key), shared by all of a node's viewers: joining and leaving only touch
 * process memory; changes are written to Redis in one pipeline per tick, one heartbeat timer
 * refreshes every local viewer in one pipeline, and a key's state is published at most once per
 * interval (coalesced across nodes through a Redis gate) with the count and a bounded list.
 */
export class Presence<C> {
  private readonly nodeId = randomUUID();
  private readonly locals = new Map<string, Local>();
  /** Users whose membership changed on this node, per local key, to write on the next tick. */
  private readonly pending = new Map<Local, Set<string>>();
  private writeScheduled = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly scopes: Map<string, PresenceScope<C>>;
  private readonly o: Required<PresenceOptions>;
  private started: { ctx: C } | null = null;
  private closed = false;

  constructor(
    private readonly redis: RedisClients,
    private readonly logger: Logger,
    scopes: readonly PresenceScope<C>[],
    options: PresenceOptions = {},
  ) {
    this.scopes = new Map(scopes.map((s) => [s.name, s]));
    this.o = {
      listed: 20,
      minIntervalMs: 1_000,
      perViewerMs: 5,
      maxIntervalMs: 10_000,
      heartbeatMs: 20_000,
      ttlMs: 60_000,
      ...options,
    };
    this.heartbeat = setInterval(() => void this.refresh(), this.o.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Gives the scopes' `publish` its context (the app's deps, built after this). */
  start(ctx: C): void {
    this.started = { ctx };
  }

  /**
   * Counts one session of `userId` in; returns its leave (idempotent; or call `leave` once).
   * Whoever watches the key gets a state naming the joiner within an interval, also when another
   * session of theirs was present.
   */
  join(scope: string, key: string, userId: string): () => void {
    const local = this.local(scope, key);
    const sessions = local.users.get(userId) ?? 0;
    local.users.set(userId, sessions + 1);
    if (sessions === 0) this.write(local, userId);
    this.changed(local);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.leave(scope, key, userId);
    };
  }

  /** Counts out one session `join` counted in, once per join (the key stays known while anyone is in). */
  leave(scope: string, key: string, userId: string): void {
    const local = this.locals.get(`${scope}:${key}`);
    if (!local) return;
    const now = (local.users.get(userId) ?? 1) - 1;
    if (now > 0) {
      local.users.set(userId, now);
      return;
    }
    local.users.delete(userId);
    this.write(local, userId);
    this.changed(local);
  }

  /**
   * Publishes again every key of `scope` where this node counts `userId` in (within its interval, as
   * any change): what a state shows of them changed (they hid their presence, or showed it again).
   */
  touchUser(scope: string, userId: string): void {
    for (const local of this.locals.values()) if (local.scope === scope && local.users.has(userId)) this.changed(local);
  }

  /** This node's sessions on a key (each join not yet left). */
  localSessions(scope: string, key: string): number {
    let n = 0;
    for (const sessions of this.locals.get(`${scope}:${key}`)?.users.values() ?? []) n += sessions;
    return n;
  }

  /** Whether anyone is present on each key now, on any node (one pipeline; expired members do not count). */
  async anyPresent(scope: string, keys: readonly string[]): Promise<boolean[]> {
    if (!keys.length) return [];
    const pipeline = this.redis.command.pipeline();
    const now = Date.now();
    for (const key of keys) pipeline.zcount(this.setOf(scope, key), `(${now}`, "+inf");
    const results = (await pipeline.exec()) ?? [];
    return keys.map((_, i) => {
      const [err, count] = results[i] ?? [null, 0];
      if (err) throw err;
      return Number(count) > 0;
    });
  }

  /** Stops the timers and removes this node's viewers from Redis (they are not announced). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    const pipeline = this.redis.command.pipeline();
    for (const local of this.locals.values()) {
      if (local.timer) clearTimeout(local.timer);
      if (local.users.size) pipeline.zrem(local.set, ...[...local.users.keys()].map((u) => this.member(u)));
    }
    this.locals.clear();
    this.pending.clear();
    await pipeline.exec().catch(() => {});
  }

  private setOf(scope: string, key: string): string {
    // One hash slot for the set and its gate, so the script also runs on a Redis Cluster.
    return `${this.redis.prefix}presence:{${scope}:${key}}`;
  }

  private local(scope: string, key: string): Local {
    const id = `${scope}:${key}`;
    let local = this.locals.get(id);
    if (!local) {
      const set = this.setOf(scope, key);
      local = {
        scope,
        key,
        set,
        gate: `${set}:gate`,
        users: new Map(),
        changes: 0,
        published: 0,
        timer: null,
        publishing: false,
        nextAt: 0,
      };
      this.locals.set(id, local);
    }
    return local;
  }

  private member(userId: string): string {
    return `${userId}|${this.nodeId}`;
  }

  /** Queues `userId`'s membership on `local` to be written as it is on the next tick. */
  private write(local: Local, userId: string): void {
    let users = this.pending.get(local);
    if (!users) {
      users = new Set();
      this.pending.set(local, users);
    }
    users.add(userId);
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => void this.flushWrites());
  }

  /** One pipeline for every membership change since the last tick, then the publishes they call for. */
  private async flushWrites(): Promise<void> {
    this.writeScheduled = false;
    if (this.closed || this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    const expiry = Date.now() + this.o.ttlMs;
    const pipeline = this.redis.command.pipeline();
    for (const [local, users] of batch) {
      const present: (string | number)[] = [];
      const gone: string[] = [];
      for (const user of users) {
        if (local.users.has(user)) present.push(expiry, this.member(user));
        else gone.push(this.member(user));
      }
      if (present.length) pipeline.zadd(local.set, ...present);
      if (gone.length) pipeline.zrem(local.set, ...gone);
      pipeline.pexpire(local.set, this.o.ttlMs * 2);
    }
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err)?.[0];
      if (failed) throw failed;
    } catch (err) {
      // The heartbeat writes every present user again; a missed removal expires with its TTL.
      this.logger.warn({ err }, "presence write failed");
    }
    for (const [local] of batch) if (dirty(local)) this.schedulePublish(local);
  }

  private changed(local: Local): void {
    local.changes++;
    // Published once its pending write is done (flushWrites), or now when nothing is pending.
    if (!this.pending.has(local)) this.schedulePublish(local);
  }

  private schedulePublish(local: Local): void {
    if (this.closed || local.timer || local.publishing || this.pending.has(local)) return;
    local.timer = setTimeout(() => void this.publish(local), Math.max(0, local.nextAt - Date.now()));
    local.timer.unref();
  }

  private async publish(local: Local): Promise<void> {
    local.timer = null;
    if (this.closed || !dirty(local)) return this.forgetIfIdle(local);
    // A membership change not written yet: flushWrites publishes once it is.
    if (this.pending.has(local)) return;
    const scope = this.scopes.get(local.scope);
    if (!scope || !this.started) {
      this.logger.error({ scope: local.scope }, "presence scope not started");
      return;
    }
    local.publishing = true;
    // A change during the script may have come after it read: it stays dirty.
    const upTo = local.changes;
    try {
      const reply = (await this.redis.command.eval(
        PUBLISH_SCRIPT,
        2,
        local.set,
        local.gate,
        Date.now(),
        this.o.listed,
        this.o.minIntervalMs,
        this.o.perViewerMs,
        this.o.maxIntervalMs,
      )) as (number | string)[];
      const [count, interval, ...userIds] = reply as [number, number, ...string[]];
      if (count === -1) {
        // Another node published within the interval: publish ours once the gate opens.
        local.nextAt = Date.now() + interval;
      } else {
        local.published = upTo;
        local.nextAt = Date.now() + interval;
        await scope.publish(this.started.ctx, local.key, { count, userIds });
      }
    } catch (err) {
      local.nextAt = Date.now() + this.o.minIntervalMs;
      this.logger.warn({ err, scope: local.scope, key: local.key }, "presence publish failed");
    } finally {
      local.publishing = false;
    }
    if (dirty(local)) this.schedulePublish(local);
    else this.forgetIfIdle(local);
  }

  private forgetIfIdle(local: Local): void {
    if (local.users.size === 0 && !dirty(local) && !local.timer && !local.publishing && !this.pending.has(local)) {
      this.locals.delete(`${local.scope}:${local.key}`);
    }
  }

  /** The heartbeat: every local viewer of every key refreshed in one pipeline; expired ones dropped. */
  private async refresh(): Promise<void> {
    if (this.closed || this.locals.size === 0) return;
    const now = Date.now();
    const expiry = now + this.o.ttlMs;
    const refreshed: Local[] = [];
    const pipeline = this.redis.command.pipeline();
    for (const local of this.locals.values()) {
      if (local.users.size === 0) continue;
      refreshed.push(local);
      pipeline.zremrangebyscore(local.set, "-inf", now);
      pipeline.zadd(local.set, ...[...local.users.keys()].flatMap((u) => [expiry, this.member(u)]));
      pipeline.pexpire(local.set, this.o.ttlMs * 2);
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      refreshed.forEach((local, i) => {
        // Members of a node that stopped without leaving expired: tell the others.
        if (Number(results[i * 3]?.[1] ?? 0) > 0) this.changed(local);
      });
    } catch (err) {
      this.logger.warn({ err }, "presence heartbeat failed");
    }
  }
}
