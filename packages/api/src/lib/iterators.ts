/**
 * Layers of a subscription's stream (tracked ids, error mapping, presence, the access guard) as
 * hooks rather than async generators or wrapper objects: an idle subscription is one iterator
 * object that parks one pending `next()`, not a suspended generator frame per layer and a chain
 * of promises between them, which at thousands of idle subscriptions per node is most of their
 * memory. An iterator that takes hooks itself (`Fusable`, e.g. infra/events/stream's channel
 * stream) gets them fused in; any other iterator is wrapped once, and further hooks join that
 * wrapper.
 */
export interface IteratorHooks<T, U> {
  /** Each value on its way out. */
  map?: (value: T) => U;
  /** What the inner iterator throws, on its way out. */
  mapError?: (err: unknown) => unknown;
  /** Runs on the first `next()`, right after the inner iterator's; may return what to run once at the end. */
  start?: () => (() => void) | undefined;
  /** Runs once when the stream ends (done, failed or returned), started or not. */
  end?: () => void;
  /** Whether this value is the stream's last: it is passed on, then the stream ends. */
  last?: (value: T) => boolean;
}

/** The method through which an iterator takes hooks into itself; it returns the iterator, retyped. */
export const fuse: unique symbol = Symbol("fuse");
/**
 * Marks an iterator whose `return()` ends it at once, settling a pending `next()` as done (a
 * generator's waits for its pending step): a guard can end it mid-wait without a layer of its own.
 */
export const endsAtOnce: unique symbol = Symbol("endsAtOnce");

export interface Fusable<T> extends AsyncIterableIterator<T> {
  [fuse]<U>(hooks: IteratorHooks<T, U>): AsyncIterableIterator<U>;
  readonly [endsAtOnce]?: boolean;
}

export const isFusable = <T>(it: AsyncIterator<T>): it is Fusable<T> =>
  typeof (it as Partial<Fusable<T>>)[fuse] === "function";

// biome-ignore lint/suspicious/noExplicitAny: hooks of successive layers chain values of different types.
type AnyHooks = IteratorHooks<any, any>;

/**
 * The hooks fused into one iterator, innermost first, kept as one object or an exact-size array
 * (most streams have two to four, all but presence module-level objects). Iterators that take hooks
 * extend it, so it costs them no object of its own.
 */
export class HookChain {
  private hooks: AnyHooks | AnyHooks[] | null = null;
  private cleanups: (() => void) | (() => void)[] | null = null;

  protected addHooks(hooks: AnyHooks): void {
    const current = this.hooks;
    // concat, not a spread: a spread array keeps room to grow (a 5-hook chain, 232 bytes instead of 88).
    this.hooks = !current ? hooks : Array.isArray(current) ? current.concat([hooks]) : [current, hooks];
  }

  /** A value a `last` hook named was passed on: the next pull ends the stream. */
  protected closing = false;

  protected mapValue(value: unknown): unknown {
    const { hooks } = this;
    if (!hooks) return value;
    let out = value;
    for (const h of Array.isArray(hooks) ? hooks : [hooks]) {
      if (h.last?.(out)) this.closing = true;
      if (h.map) out = h.map(out);
    }
    return out;
  }

  protected mapFailure(err: unknown): unknown {
    const { hooks } = this;
    if (!hooks) return err;
    let out = err;
    for (const h of Array.isArray(hooks) ? hooks : [hooks]) if (h.mapError) out = h.mapError(out);
    return out;
  }

  /** Runs the `start` hooks (once, when the stream starts). */
  protected startHooks(): void {
    const { hooks } = this;
    if (!hooks) return;
    for (const h of Array.isArray(hooks) ? hooks : [hooks]) {
      if (!h.start) continue;
      const cleanup = h.start();
      if (!cleanup) continue;
      const current = this.cleanups;
      this.cleanups = !current ? cleanup : Array.isArray(current) ? current.concat([cleanup]) : [current, cleanup];
    }
  }

  /** Runs what `start` returned, then the `end` hooks; call once. */
  protected endHooks(): void {
    const { hooks, cleanups } = this;
    this.cleanups = null;
    if (Array.isArray(cleanups)) for (const cleanup of cleanups) cleanup();
    else cleanups?.();
    if (hooks) for (const h of Array.isArray(hooks) ? hooks : [hooks]) h.end?.();
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Hooks around an iterator that does not take them itself (e.g. a generator). */
class Wrapped<T, U> extends HookChain implements Fusable<U>, AsyncDisposable {
  private started = false;
  private ended = false;

  constructor(
    private readonly inner: AsyncIterator<T>,
    hooks: IteratorHooks<T, U>,
  ) {
    super();
    this.addHooks(hooks);
  }

  [fuse]<V>(hooks: IteratorHooks<U, V>): AsyncIterableIterator<V> {
    this.addHooks(hooks);
    return this as unknown as AsyncIterableIterator<V>;
  }

  next(): Promise<IteratorResult<U>> {
    if (this.closing) return this.return();
    const next = this.inner.next();
    if (!this.started) {
      this.started = true;
      if (!this.ended) this.startHooks();
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

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private onResult(result: IteratorResult<T>): IteratorResult<U> {
    if (result.done) {
      this.end();
      return DONE;
    }
    return { done: false, value: this.mapValue(result.value) as U };
  }

  private onError(err: unknown): never {
    this.end();
    throw this.mapFailure(err);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.endHooks();
  }
}

/**
 * `stream` with `hooks` applied: fused into the stream when it takes hooks (no new layer), else
 * one wrapper. Pass module-level hooks where possible (nothing per stream then).
 */
export function wrapIterator<T, U = T>(stream: AsyncIterable<T>, hooks: IteratorHooks<T, U>): AsyncIterableIterator<U> {
  const it = stream[Symbol.asyncIterator]();
  return isFusable(it) ? it[fuse](hooks) : new Wrapped(it, hooks);
}
