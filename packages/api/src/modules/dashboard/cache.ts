import { Counter } from "prom-client";
import type { AppDeps } from "../../deps";
import type { Metrics } from "../../infra/metrics";
import { unavailableStore } from "../../infra/store-errors";

/**
 * The dashboard's stats blocks, cached in Redis (shared by every node) per (block, key, range):
 * one hash per (block, key) holding a field per range, next to a generation counter. A write that
 * changes a block bumps the generation and deletes the hash (`invalidateBlocks`); a reader that
 * computed a block stores it only if the generation is still the one it saw before reading the
 * stores, so a value computed before a write can never land after the write's invalidation. The
 * TTL is only a safety net for an invalidation lost while Redis was away.
 */
export type Block = "me" | "org" | "platform";
export interface BlockKey {
  block: Block;
  /** The user id (me), the organization id (org), or "all" (platform). */
  id: string;
}

export const CACHE_TTL_MS = 5 * 60_000;
const GENERATION_TTL_MS = 24 * 60 * 60_000;

const hashKey = (deps: AppDeps, k: BlockKey) => `${deps.redis.prefix}dash:${k.block}:${k.id}`;
const genKey = (deps: AppDeps, k: BlockKey) => `${deps.redis.prefix}dash:g:${k.block}:${k.id}`;

// Stores a computed block only while the generation is the one seen before computing it.
const STORE_SCRIPT = `
local g = redis.call('GET', KEYS[2]) or '0'
if g ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/** Hits and misses per block, on the node's /metrics (one counter per registry: tests run several apps). */
const counters = new WeakMap<Metrics, Counter<"block" | "result">>();
function counterOf(metrics: Metrics) {
  let counter = counters.get(metrics);
  if (!counter) {
    counter = new Counter({
      name: "p2p_dashboard_cache_total",
      help: "Dashboard stats blocks read from the Redis cache (hit) or computed from the stores (miss)",
      labelNames: ["block", "result"],
      registers: [metrics.registry],
    });
    counters.set(metrics, counter);
  }
  return counter;
}

export interface Cached<T> {
  value: T | null;
  /** The generation seen with it: what `storeBlock` must still find. */
  generation: string;
}

/** Reads several blocks of one range in one round trip. Redis away: every block is a miss. */
export async function readBlocks<T>(deps: AppDeps, keys: readonly BlockKey[], range: string): Promise<Cached<T>[]> {
  const pipeline = deps.redis.command.pipeline();
  for (const k of keys) pipeline.hget(hashKey(deps, k), range).get(genKey(deps, k));
  let results: [Error | null, unknown][] | null;
  try {
    results = await pipeline.exec();
  } catch (err) {
    if (!unavailableStore(err)) throw err;
    results = null;
  }
  const counter = counterOf(deps.metrics);
  return keys.map((k, i) => {
    const raw = results?.[2 * i]?.[1] as string | null | undefined;
    const generation = (results?.[2 * i + 1]?.[1] as string | null | undefined) ?? "0";
    counter.inc({ block: k.block, result: raw ? "hit" : "miss" });
    // A miss without Redis stores nothing (the generation is unknown).
    return { value: raw ? (JSON.parse(raw) as T) : null, generation: results ? generation : "unknown" };
  });
}

/** Keeps a computed block unless it was invalidated meanwhile; best effort. */
export async function storeBlock(deps: AppDeps, key: BlockKey, range: string, generation: string, value: unknown) {
  if (generation === "unknown") return;
  await deps.redis.command
    .eval(
      STORE_SCRIPT,
      2,
      hashKey(deps, key),
      genKey(deps, key),
      generation,
      range,
      JSON.stringify(value),
      CACHE_TTL_MS,
    )
    .catch((err) => {
      if (!unavailableStore(err)) throw err;
    });
}

/** Drops the blocks (every range) and moves their generations on, in one round trip. */
export async function invalidateBlocks(deps: AppDeps, keys: readonly BlockKey[]): Promise<void> {
  if (!keys.length) return;
  const multi = deps.redis.command.multi();
  for (const k of keys) multi.incr(genKey(deps, k)).pexpire(genKey(deps, k), GENERATION_TTL_MS).del(hashKey(deps, k));
  await multi.exec();
}
