/**
 * `fn` over `items`, at most `limit` at a time, the results in the items' order (not the order
 * they finish in). Fails with the first failure; the calls already started run to their end.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * A write of one item that goes with the items of other calls waiting at the same time (group
 * commit): while a write is under way, the calls that arrive wait and then go together in the next
 * one (at most `maxBatch`). Each call ends when its write did, and fails with it. Under little load
 * every call writes alone at once; under much, a store sees a few large writes instead of many small
 * ones.
 */
export function groupedWrites<T>(write: (items: T[]) => Promise<void>, maxBatch = 500): (item: T) => Promise<void> {
  const waiting: { item: T; done: (err?: unknown) => void }[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length) {
      const batch = waiting.splice(0, maxBatch);
      const result = await write(batch.map((w) => w.item)).then(
        () => undefined,
        (err: unknown) => err ?? new Error("write failed"),
      );
      for (const w of batch) w.done(result);
    }
    writing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!writing) void drain();
    });
}
