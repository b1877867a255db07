import http from "node:http";
import { createTRPCClient, createWSClient, httpBatchStreamLink, httpLink, splitLink, wsLink } from "@trpc/client";
import superjson from "superjson";
import { expect } from "vitest";
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

/**
 * A `fetch` whose connections leave from `localAddress` (127.0.0.2, 127.0.0.3…: all loopback on
 * Linux), so the server, which trusts only the socket peer, sees a different client IP.
 */
export function fetchFrom(localAddress: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body == null ? undefined : String(init.body);
    return new Promise<Response>((resolve, reject) => {
      const req = http.request(
        url,
        { method: init?.method ?? "GET", headers: Object.fromEntries(new Headers(init?.headers)), localAddress },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of [value ?? []].flat()) headers.append(name, v);
            }
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }));
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }) as typeof fetch;
}

/**
 * A POST to the REST face (/api/v1) with a bearer token, as a non-TypeScript client sends it:
 * `body` as JSON, or `json` as the exact text; with an `Idempotency-Key` header when `key` is given.
 */
export async function restPost(
  server: { url: string },
  token: string,
  path: string,
  request: { body?: unknown; json?: string; key?: string },
) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(request.key ? { "idempotency-key": request.key } : {}),
    },
    body: request.json ?? JSON.stringify(request.body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked by each test
  return { status: res.status, body: (await res.json()) as any };
}

/** A create refused because its idempotency key was used for a different request (lib/idempotency.ts). */
export function expectKeyReused(refused: { appCode?: string; message: string }, key: string) {
  expect(refused).toMatchObject({ appCode: "CONFLICT", code: "CONFLICT", details: { idempotencyKey: key } });
  expect(refused.message).toContain(`"${key}" was already used for a different request`);
}
