/**
 * A small in-process cache with a time limit per entry and a size bound. Entries are short-lived
 * (seconds) and also dropped on invalidation broadcasts, so every node sees changes quickly.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  /** Reads under way, by key: callers that miss at the same time share one read. */
  private readonly loading = new Map<string, { reading: Promise<V>; dropped: boolean }>();
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
    if (underWay) return underWay.reading;
    const generation = this.generation;
    const load = { reading: undefined as unknown as Promise<V>, dropped: false };
    load.reading = read()
      .then((value) => {
        if (generation === this.generation && !load.dropped) this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === load) this.loading.delete(key);
      });
    this.loading.set(key, load);
    return load.reading;
  }

  /**
   * The cached values of `keys`, and `read(missing)`'s for the others in one call, stored unless a
   * drop happened while they were read (as `load`). A key `read` does not answer stays out.
   */
  async loadMany(
    keys: readonly string[],
    read: (missing: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V>> {
    const found = new Map<string, V>();
    const missing: string[] = [];
    for (const key of keys) {
      const cached = this.get(key);
      if (cached === undefined) missing.push(key);
      else found.set(key, cached);
    }
    if (!missing.length) return found;
    const generation = this.generation;
    for (const [key, value] of await read(missing)) {
      found.set(key, value);
      if (generation === this.generation) this.set(key, value);
    }
    return found;
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

  /** Drops the entries whose value matches; reads under way may hold such values too, so all of them. */
  deleteWhere(predicate: (value: V) => boolean): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key);
    this.loading.clear();
  }

  /** Drops the entries, and the reads under way, of the keys that match; the others stay. */
  deleteKeys(matches: (key: string) => boolean): void {
    for (const key of this.entries.keys()) if (matches(key)) this.entries.delete(key);
    for (const [key, load] of this.loading) {
      if (!matches(key)) continue;
      load.dropped = true;
      this.loading.delete(key);
    }
  }
}
