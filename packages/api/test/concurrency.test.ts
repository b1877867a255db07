import { describe, expect, it } from "vitest";
import { mapConcurrently } from "../src/lib/concurrency";

describe("mapConcurrently", () => {
  it("runs at most `limit` calls at once and answers in the items' order, not the order they finish in", async () => {
    let running = 0;
    let most = 0;
    // Later items finish first.
    const delays = [60, 50, 40, 30, 20, 10, 5, 1, 0];
    const out = await mapConcurrently(delays, 4, async (ms, i) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return `${i}:${ms}`;
    });
    expect(most).toBe(4);
    expect(out).toEqual(delays.map((ms, i) => `${i}:${ms}`));
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([]);
  });

  it("fails with the first failure", async () => {
    await expect(
      mapConcurrently([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error("unreadable");
        return n;
      }),
    ).rejects.toThrow("unreadable");
  });
});
