import type { Principal } from "../infra/auth/authenticator";
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
const nothing = () => {};

/**
 * One subscription's watch on its caller, and its stream until that ends: the stream's events until
 * the client leaves or the access changes, then it ends at once, even mid-wait.
 *
 * Every idle subscription holds one of these, so it is one object: it is its own abort listener
 * (`handleEvent`), holds one AbortController (not AbortSignal.any, which costs a signal, weak refs
 * and sets), and parks only the pending `next()`, where a generator would park its frame and a race
 * of promises. No named closures either: tsx (esbuild keepNames) gives each a property store.
 */
class AccessGuard<T> implements AsyncIterableIterator<T> {
  principal: Principal | null = null;
  private readonly lost = new AbortController();
  private readonly counted: () => void;
  private readonly unwatch: () => void;
  private started = false;
  private changes = 0;
  private ended = false;
  private inner: AsyncIterator<T> | null = null;
  private pending: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly client: AbortSignal | undefined,
  ) {
    this.counted = ctx.connection ? ctx.connection.limits.startSubscription(ctx.connection) : nothing;
    this.unwatch = ctx.principal ? ctx.deps.authenticator.watch(ctx.principal, () => this.changed()) : nothing;
    this.lost.signal.addEventListener("abort", this);
    if (client?.aborted) this.lost.abort(client.reason);
    else client?.addEventListener("abort", this);
  }

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
    this.inner = stream[Symbol.asyncIterator]();
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const inner = this.inner;
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

  /** The client left (its signal) or the access changed (ours): the stream ends now. */
  handleEvent(event: Event): void {
    if (event.target === this.client) {
      this.lost.abort(this.client?.reason);
      return;
    }
    const pending = this.pending;
    this.pending = null;
    this.finish();
    pending?.resolve(DONE);
  }

  /** Stops watching, counts the subscription out, and ends the stream; once. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.client?.removeEventListener("abort", this);
    this.lost.signal.removeEventListener("abort", this);
    this.unwatch();
    this.counted();
    // Not awaited: a stream parked on its next event ends when its own signal (ctx.signal) aborts.
    void this.inner?.return?.(undefined)?.catch(() => {});
  }

  private changed(): void {
    this.changes++;
    if (this.started) void this.recheck();
  }

  private async recheck(): Promise<void> {
    const now = await this.ctx.currentPrincipal().catch(() => null);
    if (!sameAccess(now, this.principal)) this.lost.abort("access changed");
  }
}
