import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { type AddressInfo, Server as NetServer } from "node:net";
import type { Duplex } from "node:stream";
import type { HttpErrorBody, RestErrorBody } from "@p2p/schemas";
import type { AnyRouter } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import { createApp, frontOptions } from "./app";
import type { AppDeps } from "./deps";
import { clientIpResolver } from "./infra/http/client-ip";
import { createFront } from "./infra/http/front";
import { keepAlive } from "./infra/http/ws-keep-alive";
import { ConnectionLimits } from "./trpc/connection";
import { createContext, type RequestHeaders } from "./trpc/context";
import { logCallError } from "./trpc/errors";
import { recordFailedCall } from "./trpc/metrics";
import { REST_BASE } from "./trpc/openapi";
import { appRouter } from "./trpc/router";

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  /** Graceful: stop accepting, tell WS clients to reconnect elsewhere, drain in-flight requests. */
  close(drainMs?: number): Promise<void>;
}

/**
 * A WebSocket connection's request headers, read from the upgrade request tRPC's adapter keeps for
 * the connection's life anyway: a Fetch `Headers` copy would be ~0.6 KiB more per open socket.
 */
class UpgradeHeaders implements RequestHeaders {
  constructor(private readonly raw: IncomingMessage["headers"]) {}

  get(name: string): string | null {
    // Node joined repeated headers already (or kept one of those that may not repeat), as Headers would.
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }
}

/** The path of the request line at the start of `raw` (what Node had read), when it is there. */
const requestPath = (raw: Buffer | undefined) =>
  /^[A-Z]+ (\/[^ ?\r\n]*)/.exec(raw?.toString("latin1", 0, 512) ?? "")?.[1];

/**
 * Node answers a request it cannot parse itself, with an empty body. A request line or headers over
 * Node's limit (16 KiB: e.g. a query's input in a long URL) get the API's error body instead, so
 * the client learns what to change (in the REST face's shape on its paths); other parse errors stay
 * a plain 400.
 */
function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  const requestId = randomUUID();
  const rest = requestPath(err.rawPacket)?.startsWith(`${REST_BASE}/`);
  const [code, message] = tooLarge
    ? [
        "PAYLOAD_TOO_LARGE" as const,
        rest
          ? "The URL and headers are too large (over 16 KiB): shorten the query"
          : "The URL and headers are too large (over 16 KiB): send a large input as a POST body",
      ]
    : ["BAD_REQUEST" as const, "Malformed HTTP request"];
  const body: HttpErrorBody | RestErrorBody = rest
    ? { message, code, appCode: code, requestId }
    : { error: { code, message, requestId } };
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${json}`,
  );
}

/**
 * One port for HTTP and WebSocket: the Hono app on a node:http server (infra/http/front.ts), and a `ws`
 * server on its `upgrade` event for path /trpc only. Lives in the api package (not apps/server)
 * so the testkit starts exactly the server production runs.
 */
export async function startServer(
  deps: AppDeps,
  options: { port?: number; host?: string; router?: AnyRouter } = {},
): Promise<RunningServer> {
  const router = options.router ?? appRouter;
  const app = createApp(deps, { router });
  const hostname = options.host ?? deps.config.host;
  // Once stopping, every answer closes its connection (front.ts): the drain would otherwise only
  // end by cutting keep-alive clients' next requests (one a write the client is then told failed).
  const front = createFront({ fetch: app.fetch, hostname, ...frontOptions(deps, router) });
  const { server } = front;
  await new Promise<void>((resolve) => server.listen(options.port ?? deps.config.port, hostname, resolve));

  server.on("clientError", answerClientError);
  // Idle keep-alive connections stay open longer than a client or load balancer keeps them (Node's
  // 5 s default made clients reuse a socket the server was closing: ECONNRESET on a slow machine).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.limits.maxBodyBytes });
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/trpc") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  const { metrics } = deps;
  // One listener shared by every socket (close fires once per socket): nothing per connection.
  const closed = () => metrics.wsConnections.dec();
  wss.on("connection", (ws) => {
    metrics.wsConnections.inc();
    ws.on("close", closed);
  });
  const connections = new ConnectionLimits(deps.config.limits.ws, metrics);
  const clientIp = clientIpResolver(deps.config.trustedProxies);
  const wsHandler = applyWSSHandler({
    wss,
    router,
    maxBatchSize: deps.config.limits.maxBatchSize,
    createContext: ({ req, info }) => {
      const connection = connections.open();
      return createContext({
        deps,
        // The connection's id: one id per connection, in its logs and errors as in its rate limit.
        requestId: connection.id,
        headers: new UpgradeHeaders(req.headers),
        ip: clientIp(req),
        transport: "ws",
        connectionParams: info.connectionParams,
        connection,
      });
    },
    onError: (opts) => {
      logCallError(deps.logger, opts.error, { path: opts.path, transport: "ws" }, "ws procedure failed");
      recordFailedCall(metrics, router, "ws", opts);
    },
  });

  // Ours rather than the adapter's (`keepAlive` option): one timer for every socket (infra/http/ws-keep-alive.ts).
  const stopKeepAlive = keepAlive(wss, { pingMs: 30_000, pongWaitMs: 5_000 });

  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    async close(drainMs = 10_000) {
      front.stopping();
      stopKeepAlive();
      wsHandler.broadcastReconnectNotification();
      // Stop accepting connections, not yet closing idle ones (http's own close() would, at once).
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      // Sockets in use get their last answer (Connection: close) first; idle ones close after a
      // moment, then every 50 ms: closing one idle at once races a request already on its way.
      let sweep: NodeJS.Timeout | undefined;
      const grace = setTimeout(() => {
        server.closeIdleConnections();
        sweep = setInterval(() => server.closeIdleConnections(), 50);
      }, 250);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      wss.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
      clearTimeout(grace);
      clearInterval(sweep);
      // Whatever is still open after the drain window is cut (and http's own timers stop).
      server.closeAllConnections();
      server.close();
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
