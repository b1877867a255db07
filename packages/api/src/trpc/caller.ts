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
 */
export async function whileAccessHolds<R extends { ok: boolean; data?: unknown }>(
  ctx: Context,
  start: (principal: Principal | null, lost: AbortSignal) => Promise<R>,
): Promise<R> {
  const counted = ctx.connection ? ctx.connection.limits.startSubscription(ctx.connection) : () => {};
  const lost = new AbortController();
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
      return { ...result, data: untilAborted(result.data, lost.signal, end) };
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

/** The stream's events until `signal` aborts; then it ends at once, even mid-wait. */
async function* untilAborted<T>(stream: AsyncIterable<T>, signal: AbortSignal, cleanup: () => void) {
  const iterator = stream[Symbol.asyncIterator]();
  const aborted = new Promise<"aborted">((resolve) =>
    signal.addEventListener("abort", () => resolve("aborted"), { once: true }),
  );
  try {
    while (!signal.aborted) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === "aborted" || next.done) return;
      yield next.value;
    }
  } finally {
    cleanup();
    // Not awaited: a stream parked on its next event ends when its own signal (ctx.signal) aborts.
    void iterator.return?.(undefined);
  }
}
