import { describe, expect, it } from "vitest";
import { groupedWrites, mapConcurrently } from "../src/lib/concurrency";

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

describe("groupedWrites", () => {
  it("writes a lone call at once, and the calls made during a write together in the next", async () => {
    const writes: number[][] = [];
    let release: (() => void) | undefined;
    const write = groupedWrites<number>(async (items) => {
      writes.push(items);
      if (items[0] === 1) await new Promise<void>((r) => (release = r)); // the first write waits
    });
    const first = write(1);
    const later = [write(2), write(3), write(4)];
    expect(writes).toEqual([[1]]);
    release?.();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
    await write(5);
    expect(writes.at(-1)).toEqual([5]);
  });

  it("fails every call of a failed write, and only those", async () => {
    const write = groupedWrites<string>(async (items) => {
      await new Promise((r) => setTimeout(r, 5));
      if (items.includes("bad")) throw new Error(`refused ${items.join(",")}`);
    });
    const first = write("ok");
    const [bad, alongside] = [write("bad"), write("also")];
    await expect(first).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow("refused bad,also");
    await expect(alongside).rejects.toThrow("refused bad,also");
    await expect(write("fine")).resolves.toBeUndefined();
  });
});
