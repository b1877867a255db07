import { describe, expect, it } from "vitest";
import { TtlCache } from "../src/infra/auth/ttl-cache";

/** A read that answers when told to, counting how often it was started. */
function gate<V>() {
  let started = 0;
  const pending: ((v: V) => void)[] = [];
  return {
    read: () => {
      started++;
      return new Promise<V>((resolve) => pending.push(resolve));
    },
    answer: (v: V) => pending.shift()?.(v),
    started: () => started,
  };
}

describe("TtlCache.load", () => {
  it("shares one read between callers that miss at the same time, then serves the stored value", async () => {
    const cache = new TtlCache<string>(10_000);
    const g = gate<string>();
    const first = cache.load("k", g.read);
    const second = cache.load("k", g.read);
    expect(g.started()).toBe(1);
    g.answer("page");
    expect(await Promise.all([first, second])).toEqual(["page", "page"]);
    expect(await cache.load("k", g.read)).toBe("page");
    expect(g.started()).toBe(1);
  });

  it("after a drop, a caller does not join a read started before it, and that read is not stored", async () => {
    const cache = new TtlCache<string>(10_000);
    const g = gate<string>();
    const before = cache.load("k", g.read);
    cache.clear(); // a write committed while the first read ran
    const after = cache.load("k", g.read);
    expect(g.started()).toBe(2);
    g.answer("stale");
    g.answer("fresh");
    expect(await before).toBe("stale");
    expect(await after).toBe("fresh");
    expect(cache.get("k")).toBe("fresh");
  });

  it("a failed read is shared by its callers and leaves nothing behind", async () => {
    const cache = new TtlCache<string>(10_000);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error("store away"));
    };
    const results = await Promise.allSettled([cache.load("k", failing), cache.load("k", failing)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(calls).toBe(1);
    expect(await cache.load("k", async () => "back")).toBe("back");
  });

  it("a drop of some keys forgets their entries and reads under way, and leaves the others", async () => {
    const cache = new TtlCache<string>(10_000);
    cache.set("a|1", "a page");
    cache.set("b|1", "b page");
    const ga = gate<string>();
    const gb = gate<string>();
    const readingA = cache.load("a|2", ga.read);
    const readingB = cache.load("b|2", gb.read);
    cache.deleteKeys((key) => key.startsWith("a|"));
    expect(cache.get("a|1")).toBeUndefined();
    expect(cache.get("b|1")).toBe("b page");
    ga.answer("stale a");
    gb.answer("b 2");
    expect(await Promise.all([readingA, readingB])).toEqual(["stale a", "b 2"]);
    expect(cache.get("a|2")).toBeUndefined(); // read before the drop: not kept
    expect(cache.get("b|2")).toBe("b 2"); // another scope's read is still stored
  });
});

describe("TtlCache.loadMany", () => {
  it("reads only the keys it lacks, in one call, and stores what that call answers", async () => {
    const cache = new TtlCache<string>(10_000);
    cache.set("a", "cached a");
    const asked: string[][] = [];
    const read = async (missing: string[]) => {
      asked.push(missing);
      return new Map(missing.filter((k) => k !== "unknown").map((k) => [k, `read ${k}`]));
    };
    const found = await cache.loadMany(["a", "b", "c", "unknown"], read);
    expect(Object.fromEntries(found)).toEqual({ a: "cached a", b: "read b", c: "read c" });
    expect(asked).toEqual([["b", "c", "unknown"]]);
    expect(Object.fromEntries(await cache.loadMany(["b", "c"], read))).toEqual({ b: "read b", c: "read c" });
    expect(asked).toHaveLength(1);
  });

  it("does not store what it read when a drop came while it read", async () => {
    const cache = new TtlCache<string>(10_000);
    const g = gate<Map<string, string>>();
    const loading = cache.loadMany(["k"], g.read);
    cache.delete("k"); // a profile change committed while the read ran
    g.answer(new Map([["k", "stale"]]));
    expect(Object.fromEntries(await loading)).toEqual({ k: "stale" });
    expect(cache.get("k")).toBeUndefined();
  });
});
