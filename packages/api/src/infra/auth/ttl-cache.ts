/**
 * A small in-process cache with a time limit per entry and a size bound. Entries are short-lived
 * (seconds) and also dropped on invalidation broadcasts, so every node sees changes quickly.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  /** Reads under way, by key: callers that miss at the same time share one read. */
  private readonly loading = new Map<string, Promise<V>>();
  /** Bumped by every drop: a load that a drop overtook does not store what it read (maybe stale). */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    // Map keeps insertion order, so the first key is the oldest.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
  }

  /**
   * The cached value, or `read()`'s, stored unless a drop happened while it was read: a change
   * committed and broadcast during the read may not be in it, and must not be cached for the TTL.
   * Callers that miss while a read of the key is under way share it, unless a drop came between
   * (they start a read of their own, which sees the change).
   */
  load(key: string, read: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const underWay = this.loading.get(key);
    if (underWay) return underWay;
    const generation = this.generation;
    const reading = read()
      .then((value) => {
        if (generation === this.generation) this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === reading) this.loading.delete(key);
      });
    this.loading.set(key, reading);
    return reading;
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  deleteWhere(predicate: (value: V, key: string) => boolean): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (predicate(entry.value, key)) this.entries.delete(key);
    this.loading.clear();
  }
}
