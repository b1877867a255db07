import type { Principal, Watcher } from "../infra/auth/authenticator";
import { endsAtOnce, fuse, type IteratorHooks, isFusable } from "../lib/iterators";
import type { Context } from "./context";

/** Whether two principals may do the same things: same user, organization, role, flags. */
const sameAccess = (a: Principal | null, b: Principal | null) =>
  a === b ||
  (a !== null &&
    b !== null &&
    a.userId === b.userId &&
    a.organizationId === b.organizationId &&
    a.role === b.role &&
    a.isModerator === b.isModerator &&
    a.emailVerified === b.emailVerified);

/**
 * Starts a subscription for the caller as they are now and ends its stream when that changes
 * (signed out, session or key revoked, deactivated, role or organization changed): the client
 * sees the subscription stop and may start it again with whatever rights it has then.
 * It listens first, then checks the current state, so a change in between is not missed.
 * `start` gets one signal that aborts when the client leaves (`signal`) or the access changes.
 */
export async function whileAccessHolds<R extends { ok: boolean; data?: unknown }>(
  ctx: Context,
  signal: AbortSignal | undefined,
  start: (principal: Principal | null, ended: AbortSignal) => Promise<R>,
): Promise<R> {
  const guard = new AccessGuard(ctx, signal);
  try {
    await guard.readPrincipal();
    const result = await start(guard.principal, guard.signal);
    if (result.ok && isAsyncIterable(result.data)) return { ...result, data: guard.guard(result.data) };
    guard.finish();
    return result;
  } catch (err) {
    guard.finish();
    throw err;
  }
}

export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One subscription's watch on its caller, and its stream until that ends: the stream's events until
 * the client leaves or the access changes, then it ends at once, even mid-wait.
 *
 * Every idle subscription holds one of these, so it is one object: its own abort listener
 * (`handleEvent`), its own authenticator watch (`changed`), one AbortController (not
 * AbortSignal.any, which costs a signal, weak refs and sets), and no named closures (tsx, esbuild keepNames, gives each a property store). A stream
 * that ends at once on `return()` (infra/events/stream) takes the guard as a hook (`end`): no
 * layer, no pending promise of its own, and no listener on the client's signal (tRPC returns the
 * stream when the client leaves). Any other stream (a generator) is wrapped: the guard parks its
 * pending `next()` and settles it when the access changes.
 */
class AccessGuard<T> implements AsyncIterableIterator<T>, IteratorHooks<T, T>, Watcher {
  principal: Principal | null = null;
  private readonly lost = new AbortController();
  private started = false;
  private changes = 0;
  private ended = false;
  /** The stream, with the guard fused in (`end`), or the wrapped inner stream. */
  private stream: AsyncIterator<T> | null = null;
  private fused = false;
  private pending: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly client: AbortSignal | undefined,
  ) {
    ctx.connection?.limits.startSubscription(ctx.connection);
    if (ctx.principal) ctx.deps.authenticator.watch(ctx.principal, this);
    if (client?.aborted) this.lost.abort(client.reason);
    else client?.addEventListener("abort", this);
  }

  /** Aborts when the client leaves, the access changes or the stream ends: the procedure's `ctx.signal`. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }

  /** The caller now. A change that lands while the state is read may have been read stale: read again. */
  async readPrincipal(): Promise<void> {
    let seen: number;
    do {
      seen = this.changes;
      this.principal = await this.ctx.currentPrincipal();
    } while (seen !== this.changes);
    this.started = true;
  }

  guard(stream: AsyncIterable<T>): AsyncIterableIterator<T> {
    const it = stream[Symbol.asyncIterator]();
    if (isFusable(it) && it[endsAtOnce]) {
      this.fused = true;
      this.client?.removeEventListener("abort", this);
      this.stream = it[fuse](this);
      if (this.lost.signal.aborted) void it.return?.();
      return this.stream as AsyncIterableIterator<T>;
    }
    this.stream = it;
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const inner = this.stream;
    if (!inner || this.ended || this.lost.signal.aborted) {
      this.finish();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      const pending = { resolve, reject };
      this.pending = pending;
      inner.next().then(
        (result) => {
          if (this.pending !== pending) return;
          this.pending = null;
          if (result.done) this.finish();
          resolve(result);
        },
        (err) => {
          if (this.pending !== pending) return;
          this.pending = null;
          this.finish();
          reject(err);
        },
      );
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** The client left: the procedure's signal aborts and the stream ends now. */
  handleEvent(): void {
    this.lose(this.client?.reason);
  }

  /** The fused stream ended (its hook). */
  end(): void {
    this.finish();
  }

  /** Ends the stream now, mid-wait too, and aborts the procedure's signal. */
  private lose(reason: unknown): void {
    this.lost.abort(reason);
    if (this.fused) {
      void this.stream?.return?.();
      return;
    }
    const pending = this.pending;
    this.pending = null;
    this.finish();
    pending?.resolve(DONE);
  }

  /** Stops watching, counts the subscription out, aborts the signal and ends the stream; once. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.client?.removeEventListener("abort", this);
    if (this.ctx.principal) this.ctx.deps.authenticator.unwatch(this.ctx.principal, this);
    this.ctx.connection?.limits.endSubscription(this.ctx.connection);
    // Whatever the procedure tied to its signal ends with the subscription.
    if (!this.lost.signal.aborted) this.lost.abort("subscription ended");
    // Not awaited: a stream parked on its next event ends when its own signal (ctx.signal) aborts.
    if (!this.fused) void this.stream?.return?.(undefined)?.catch(() => {});
  }

  /** The authenticator's watch: the caller may have changed. */
  changed(): void {
    this.changes++;
    if (this.started) void this.recheck();
  }

  private async recheck(): Promise<void> {
    const now = await this.ctx.currentPrincipal().catch(() => null);
    if (!this.ended && !sameAccess(now, this.principal)) this.lose("access changed");
  }
}
