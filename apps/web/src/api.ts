import { type AppRouter, createClient, type P2PClient } from "@p2p/client";
import { QueryClient } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";

/** The readable half of the browser session: the server's anti-CSRF token (the session cookie is HttpOnly). */
const CSRF_COOKIE = "p2p_csrf";

function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((c) => c.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : undefined;
}

/**
 * The typed client of the page: the session cookie travels by itself (same origin, over HTTP and
 * the WebSocket's upgrade); writes echo the anti-CSRF token. No token is ever in page script.
 */
/** The anti-CSRF header every write of a cookie session sends (tRPC mutations and plain HTTP uploads). */
export function csrfHeaders(): Record<string, string> {
  const csrf = readCookie(CSRF_COOKIE);
  return csrf ? { "x-csrf-token": csrf } : {};
}

export function createBrowserClient(origin = window.location.origin): P2PClient {
  return createClient({
    url: origin,
    headers: csrfHeaders,
    ws: { retryDelayMs: (attempt) => Math.min(500 * 2 ** attempt, 10_000) },
  });
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A 4xx will not change by asking again; a 503 (a store restarting) may.
        retry: (count, error) => count < 3 && httpStatusOf(error) >= 500,
      },
    },
  });
}

function httpStatusOf(error: unknown): number {
  const data = (error as { data?: { httpStatus?: number } } | null)?.data;
  return data?.httpStatus ?? 500;
}

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
