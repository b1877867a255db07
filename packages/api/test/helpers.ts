import { createTRPCClient, createWSClient, httpBatchStreamLink, httpLink, splitLink, wsLink } from "@trpc/client";
import superjson from "superjson";
import type { ProbeRouter } from "./probe-router";

/** An untyped-router-agnostic client for the probe router (the product client is typed to AppRouter). */
export function probeClient(url: string, opts: { batch?: number } = {}) {
  const wsClient = createWSClient({
    url: `${url.replace(/^http/, "ws")}/trpc`,
    retryDelayMs: () => 100,
  });
  const client = createTRPCClient<ProbeRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: wsLink({ client: wsClient, transformer: superjson }),
        false: opts.batch
          ? httpBatchStreamLink({ url: `${url}/trpc`, transformer: superjson, maxItems: opts.batch })
          : httpLink({ url: `${url}/trpc`, transformer: superjson }),
      }),
    ],
  });
  return { client, wsClient };
}

export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits, when needed, until at least `marginMs` remain in the current 30 s TOTP period: a test that
 * sends the codes of the previous, current and next periods must not cross into the next period
 * half-way (the previous code would then be two periods old, and refused).
 */
export async function clearOfTotpPeriodEdge(marginMs = 8_000): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
