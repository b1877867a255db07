import type { AppRouter } from "@p2p/contracts";
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpBatchStreamLink,
  splitLink,
  type TRPCClient,
  TRPCClientError,
  wsLink,
} from "@trpc/client";
import superjson from "superjson";

export type { AppRouter, RouterInputs, RouterOutputs } from "@p2p/contracts";
export { TRPCClientError };

type Getter<T> = T | (() => T);
const read = <T>(v: Getter<T>): T => (typeof v === "function" ? (v as () => T)() : v);

export interface ClientOptions {
  /** Server origin, e.g. http://localhost:3000 (the client adds /trpc). */
  url: string;
  /** Bearer token (scripts, tests, API keys). */
  token?: Getter<string | null | undefined>;
  /** A `Cookie` header value, for non-browser callers that hold a browser-style session. */
  cookies?: Getter<string | null | undefined>;
  /** Extra headers on every HTTP request (e.g. x-csrf-token). */
  headers?: Getter<Record<string, string>>;
  /**
   * Subscriptions over WebSocket. `WebSocket` defaults to the runtime's own (browsers, Node 22 and
   * newer); pass another implementation only where there is none.
   */
  ws?: {
    WebSocket?: typeof globalThis.WebSocket;
    retryDelayMs?: (attempt: number) => number;
    /** Send queries and mutations over the WebSocket too (one connection for everything). */
    allCalls?: boolean;
  };
  /** Must match the server's MAX_BATCH_SIZE or be lower. */
  maxBatchItems?: number;
  fetch?: typeof globalThis.fetch;
}

/** The WebSocket as a client sees it: `connecting` after a drop until it is back (`pending`). */
export type ConnectionState = "idle" | "connecting" | "pending";

export type P2PClient = TRPCClient<AppRouter> & {
  /** Closes the WebSocket (if any). */
  close(): void;
  /** Calls `listener` with the WebSocket's state now and at each change; returns the way to stop. */
  onConnectionState(listener: (state: ConnectionState) => void): () => void;
};

/** Characters of a batch's URL, well below the server's 16 KiB for the request line and headers. */
const URL_BUDGET = 12_000;

/** How long the URL of this one call would be (its input as tRPC puts it in the query string). */
const urlLength = (path: string, input: unknown) =>
  path.length + (input === undefined ? 0 : encodeURIComponent(JSON.stringify(superjson.serialize(input))).length);

/**
 * The typed API client: queries and mutations over batched, streamed HTTP; subscriptions over one
 * WebSocket that reconnects by itself and resumes every subscription from its last event id.
 */
export function createClient(options: ClientOptions): P2PClient {
  const base = options.url.replace(/\/$/, "");
  const authHeaders = (): Record<string, string> => {
    const token = read(options.token);
    const cookies = read(options.cookies);
    return {
      ...(options.headers ? read(options.headers) : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(cookies ? { cookie: cookies } : {}),
    };
  };

  const httpOptions = {
    url: `${base}/trpc`,
    transformer: superjson,
    maxItems: options.maxBatchItems ?? 20,
    headers: authHeaders,
    fetch: options.fetch,
  };
  // Queries stream (each answer as soon as it is ready); mutations do not, because a streamed
  // response has sent its headers before the procedure ran, and sign-in and sign-out answer with
  // Set-Cookie. A query's input travels in the URL, which the server takes up to 16 KiB with the
  // headers: batches are split to stay below URL_BUDGET, and a query whose input alone would not
  // fit is sent as a POST body.
  const http = splitLink<AppRouter>({
    condition: (op) => op.type === "mutation" || urlLength(op.path, op.input) > URL_BUDGET,
    true: httpBatchLink<AppRouter>({ ...httpOptions, methodOverride: "POST" }),
    false: httpBatchStreamLink<AppRouter>({ ...httpOptions, maxURLLength: URL_BUDGET }),
  });

  let closeSocket = () => {};
  let onConnectionState: P2PClient["onConnectionState"] = () => () => {};
  let link = http;
  if (options.ws) {
    const wsClient = createWSClient({
      url: `${base.replace(/^http/, "ws")}/trpc`,
      WebSocket: options.ws.WebSocket,
      retryDelayMs: options.ws.retryDelayMs,
      // Sent as the first message after every (re)connect, so a rotated token is picked up.
      connectionParams: () => {
        const token = read(options.token);
        return token ? { token } : {};
      },
      lazy: { enabled: true, closeMs: 30_000 },
    });
    closeSocket = () => void wsClient.close();
    onConnectionState = (listener) => {
      const sub = wsClient.connectionState.subscribe({ next: (s) => listener(s.state) });
      return () => sub.unsubscribe();
    };
    link = splitLink({
      condition: (op) => op.type === "subscription" || options.ws?.allCalls === true,
      true: wsLink<AppRouter>({ client: wsClient, transformer: superjson }),
      false: http,
    });
  }

  const client = createTRPCClient<AppRouter>({ links: [link] });
  // The tRPC client is a proxy in which every property is a router path, so `close` is answered here.
  return new Proxy(client, {
    get: (target, prop, receiver) =>
      prop === "close"
        ? closeSocket
        : prop === "onConnectionState"
          ? onConnectionState
          : Reflect.get(target, prop, receiver),
  }) as P2PClient;
}
