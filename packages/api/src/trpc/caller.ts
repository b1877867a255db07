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
  const counted = ctx.connection ? ctx.connection.limits.startSubscription(ctx.connection) : () => {};
  // One controller per subscription, aborted by the client leaving or the access changing (not
  // AbortSignal.any, which costs a signal, weak refs and sets per subscription).
  const lost = new AbortController();
  const leave = () => lost.abort(signal?.reason);
  if (signal?.aborted) leave();
  else signal?.addEventListener("abort", leave, { once: true });
  let principal: Principal | null = null;
  let started = false;
  let changes = 0;
  const recheck = async () => {
    const now = await ctx.currentPrincipal().catch(() => null);
    if (!sameAccess(now, principal)) lost.abort("access changed");
  };
  const unwatch = ctx.principal
    ? ctx.deps.authenticator.watch(ctx.principal, () => {
        changes++;
        if (started) void recheck();
      })
    : () => {};
  const end = () => {
    unwatch();
    counted();
    signal?.removeEventListener("abort", leave);
  };
  try {
    // A change that lands while the state is read may have been read stale: read again.
    let seen: number;
    do {
      seen = changes;
      principal = await ctx.currentPrincipal();
    } while (seen !== changes);
    started = true;
    const result = await start(principal, lost.signal);
    if (result.ok && isAsyncIterable(result.data)) {
      return { ...result, data: new UntilAborted(result.data[Symbol.asyncIterator](), lost.signal, end) };
    }
    end();
    return result;
  } catch (err) {
    end();
    throw err;
  }
}

export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The stream's events until `signal` aborts; then it ends at once, even mid-wait. A plain iterator
 * rather than a generator racing each event against the signal: it is one layer of every idle
 * subscription, so it parks one object and the pending `next()`, nothing more.
 */
class UntilAborted<T> implements AsyncIterableIterator<T> {
  private pending: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;
  private ended = false;

  constructor(
    private readonly inner: AsyncIterator<T>,
    private readonly signal: AbortSignal,
    private readonly cleanup: () => void,
  ) {
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.ended || this.signal.aborted) {
      this.finish();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      const pending = { resolve, reject };
      this.pending = pending;
      this.inner.next().then(
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

  private readonly onAbort = () => {
    const pending = this.pending;
    this.pending = null;
    this.finish();
    pending?.resolve(DONE);
  };

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.signal.removeEventListener("abort", this.onAbort);
    this.cleanup();
    // Not awaited: a stream parked on its next event ends when its own signal (ctx.signal) aborts.
    void this.inner.return?.(undefined)?.catch(() => {});
  }
}
