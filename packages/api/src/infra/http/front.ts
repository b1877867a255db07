import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, ServerResponse } from "node:http";
// The module's binding, not the global: Node's `performance` global is a lazy accessor, read on every call.
import { performance } from "node:perf_hooks";
import { getRequestListener } from "@hono/node-server";
import type { Result, Router } from "hono/router";
import type { H, RouterRoute } from "hono/types";
import { type AppEnv, type RequestAuth, type RequestRecord, recordOf } from "./env";
import { type ResponseHeaderOptions, ResponseHeaders } from "./headers";

/**
 * node:http around the Hono app: what every request needs (its request id, our response headers,
 * CORS preflights, the session cookie its authentication rotated, its metrics and log line, and
 * `Connection: close` once stopping) is done here rather than in Hono's middleware chain, and so is
 * the liveness probe (`/health`). A route with no middleware of its own then takes Hono's
 * synchronous path (a chain of one handler is called directly; any longer one is async), and
 * @hono/node-server's fast one for a Response that is ready at once (no close listener or awaited
 * answer per request): bench/RESULTS.md, "http".
 */
export interface FrontOptions {
  /** The app's fetch (`app.fetch`): Node's request and response are its bindings. */
  fetch(request: Request, env: AppEnv["Bindings"]): Response | Promise<Response>;
  /** The host name requests' URLs get when they name none (@hono/node-server's `hostname`). */
  hostname?: string;
  headers: ResponseHeaderOptions;
  /**
   * The liveness probe, answered here (GET or HEAD of `path`, any query) with `body` as JSON: it
   * needs nothing of the app, so it takes no part of Hono's request, routing or Response. It still
   * gets everything above: the request id, our headers, its metrics, `Connection: close`.
   */
  liveness?: { path: string; body: string };
  /**
   * Once per answer, as its headers go out: the metrics and log line. The status is
   * CLIENT_CLOSED_REQUEST when the client left before the answer.
   */
  answered?(answer: Answered, statusCode: number): void;
}

/** An answer as its headers go out, with what its request recorded on the way. */
export interface Answered extends RequestRecord {
  readonly req: IncomingMessage;
  /** `performance.now()` when the request arrived. */
  readonly started: number;
}

export interface Front {
  /** Not yet listening. */
  server: Server;
  /**
   * From now on every answer says `Connection: close` and its socket closes after it: a client
   * keeping its connection alive would otherwise go on sending requests here while the server
   * drains. Decided as an answer's headers go out, so one under way closes too unless its headers
   * went out already.
   */
  stopping(): void;
}

/**
 * The path and query of a request target: an absolute-form one (`GET http://host/health`, as a
 * client sends it through a proxy; RFC 9112 §3.2.2) is read as its origin-form, as Hono reads it.
 */
export function originFormOf(target: string): string {
  if (target[0] === "/" || !/^https?:\/\//i.test(target)) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return target;
  }
}

/** What an answer is recorded as when its client left before it went out (nginx's status). */
export const CLIENT_CLOSED_REQUEST = 499;

const nodeWriteHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  statusCode: number,
  ...rest: unknown[]
) => ServerResponse;

export function createFront(options: FrontOptions): Front {
  const headers = new ResponseHeaders(options.headers);
  const { answered, liveness } = options;
  /** A GET or HEAD of `path` itself, with or without a query. */
  const isProbeOf = (path: string, incoming: IncomingMessage) => {
    const url = originFormOf(incoming.url ?? "");
    return (
      url.startsWith(path) &&
      (url.length === path.length || url[path.length] === "?") &&
      (incoming.method === "GET" || incoming.method === "HEAD")
    );
  };
  const livenessHeaders = liveness && {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(liveness.body)),
  };
  let stopping = false;

  /** Node's response to one request, which keeps its record (`recordOf`) and sends our headers with its own. */
  class Answer extends ServerResponse implements Answered {
    declare requestId: string;
    declare started: number;
    declare route?: string;
    declare userId?: string;
    declare orgId?: string;
    declare auth?: RequestAuth;
    declare setCookies?: string[];
    declare trpc?: true;
    /** Our headers until the answer's go out (Node sends every answer's through writeHead). */
    declare ours: OutgoingHttpHeaders | undefined;

    // Every form of Node's signature: an optional status message, headers as a record or a flat list.
    override writeHead(statusCode: number, message?: unknown, given?: unknown): this {
      if (stopping) this.shouldKeepAlive = false;
      const ours = this.ours;
      if (!ours) return nodeWriteHead.call(this, statusCode, message, given) as this;
      this.ours = undefined;
      // The answer is still written (Node drops it), but no one got it.
      answered?.(this, this.destroyed ? CLIENT_CLOSED_REQUEST : statusCode);
      return (
        typeof message === "string"
          ? nodeWriteHead.call(this, statusCode, message, headers.merge(ours, given, this.setCookies))
          : nodeWriteHead.call(this, statusCode, headers.merge(ours, message, this.setCookies))
      ) as this;
    }
  }

  const app = getRequestListener(options.fetch as Parameters<typeof getRequestListener>[0], {
    hostname: options.hostname,
  });
  const server = createServer(
    { ServerResponse: Answer as typeof ServerResponse },
    (incoming: IncomingMessage, outgoing: ServerResponse) => {
      const answer = outgoing as Answer;
      answer.started = performance.now();
      answer.requestId = headers.requestId(incoming);
      answer.ours = headers.of(incoming, answer.requestId);
      // A CORS preflight (any OPTIONS request) is answered at once, before any route, as hono/cors did.
      if (incoming.method === "OPTIONS") {
        answer.writeHead(204);
        answer.end();
        return;
      }
      if (liveness && isProbeOf(liveness.path, incoming)) {
        answer.route = liveness.path;
        answer.writeHead(200, livenessHeaders);
        answer.end(liveness.body); // Node sends no body for HEAD
        return;
      }
      void app(incoming, answer);
    },
  );
  return {
    server,
    stopping() {
      stopping = true;
    },
  };
}

/**
 * Hono's router, each handler recording its route's pattern as it runs: the last one is the
 * request's route in the metrics (what Hono's `c.req.routePath` says), with no middleware for it.
 */
export class RouteRecorder implements Router<[H, RouterRoute]> {
  readonly name: string;

  constructor(private readonly router: Router<[H, RouterRoute]>) {
    this.name = `${router.name} (recording)`;
  }

  add(method: string, path: string, [handler, route]: [H, RouterRoute]): void {
    const recording: H = (c, next) => {
      recordOf(c).route = route.path;
      return handler(c, next);
    };
    this.router.add(method, path, [recording, route]);
  }

  match(method: string, path: string): Result<[H, RouterRoute]> {
    return this.router.match(method, path);
  }
}
