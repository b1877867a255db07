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
    return next.then(this.onResult, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<U>> {
    this.end();
    return this.inner.return ? this.inner.return(value).then(() => DONE) : Promise.resolve(DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<U>> {
    this.end();
    return this.inner.throw ? this.inner.throw(err).then(this.onResult, this.onError) : Promise.reject(err);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private readonly onResult = (result: IteratorResult<T>): IteratorResult<U> => {
    if (result.done) {
      this.end();
      return DONE;
    }
    return this.hooks.map
      ? { done: false, value: this.hooks.map(result.value) }
      : (result as unknown as IteratorResult<U>);
  };

  private readonly onError = (err: unknown): never => {
    this.end();
    throw this.hooks.mapError ? this.hooks.mapError(err) : err;
  };

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
