/**
 * Layers of a subscription's stream (tracked ids, error mapping, presence) as plain iterator objects
 * rather than async generators: an idle subscription parks one small object per layer instead of a
 * suspended generator frame and its chain of promises, which at thousands of idle subscriptions per
 * node is most of their memory.
 */
export interface IteratorHooks<T, U> {
  /** Each value on its way out. */
  map?: (value: T) => U;
  /** What the inner iterator throws, on its way out. */
  mapError?: (err: unknown) => unknown;
  /** Runs on the first `next()`, right after the inner iterator's; returns what to run once at the end. */
  start?: () => () => void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class Wrapped<T, U> implements AsyncIterableIterator<U> {
  private started = false;
  private ended = false;
  private cleanup: (() => void) | null = null;

  constructor(
    private readonly inner: AsyncIterator<T>,
    private readonly hooks: IteratorHooks<T, U>,
  ) {}

  next(): Promise<IteratorResult<U>> {
    const next = this.inner.next();
    if (!this.started) {
      this.started = true;
      if (this.hooks.start && !this.ended) this.cleanup = this.hooks.start();
    }
    // Anonymous arrows, not fields or named consts: tsx (esbuild keepNames) gives every named
    // closure a property store of its own, ~256 bytes per instance.
    return next.then(
      (result) => this.onResult(result),
      (err) => this.onError(err),
    );
  }

  return(value?: unknown): Promise<IteratorResult<U>> {
    this.end();
    return this.inner.return ? this.inner.return(value).then(() => DONE) : Promise.resolve(DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<U>> {
    this.end();
    if (!this.inner.throw) return Promise.reject(err);
    return this.inner.throw(err).then(
      (result) => this.onResult(result),
      (e) => this.onError(e),
    );
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private onResult(result: IteratorResult<T>): IteratorResult<U> {
    if (result.done) {
      this.end();
      return DONE;
    }
    return this.hooks.map
      ? { done: false, value: this.hooks.map(result.value) }
      : (result as unknown as IteratorResult<U>);
  }

  private onError(err: unknown): never {
    this.end();
    throw this.hooks.mapError ? this.hooks.mapError(err) : err;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const cleanup = this.cleanup;
    this.cleanup = null;
    cleanup?.();
  }
}

/** `stream` with `hooks` applied; pass module-level hooks where possible (nothing per stream then). */
export function wrapIterator<T, U = T>(stream: AsyncIterable<T>, hooks: IteratorHooks<T, U>): AsyncIterableIterator<U> {
  return new Wrapped(stream[Symbol.asyncIterator](), hooks);
}
