import { createHash, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import { trpcServer } from "@hono/trpc-server";
import { Scalar } from "@scalar/hono-api-reference";
import type { AnyRouter } from "@trpc/server";
import { Hono, type Context as HonoContext } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import type { AppDeps } from "./deps";
import { superTokensRoutes } from "./infra/auth/supertokens-hono";
import { checkReadiness } from "./infra/health";
import { authenticateRequest } from "./infra/http/auth";
import { clientIpResolver } from "./infra/http/client-ip";
import { compression } from "./infra/http/compress";
import { type AppEnv, recordOf } from "./infra/http/env";
import { httpError, limitBody } from "./infra/http/errors";
import { type Answered, type FrontOptions, originFormOf, RouteRecorder } from "./infra/http/front";
import { rateLimit } from "./infra/http/rate-limit";
import { serveWebApp } from "./infra/http/web-app";
import { unavailableStore, warnStoreUnavailable } from "./infra/store-errors";
import { httpStatusOf, storeUnavailable } from "./lib/errors";
import { fileRoutes } from "./modules/files/routes";
import { notificationRoutes } from "./modules/notifications/routes";
import { exportRoutes } from "./modules/useCases/export-routes";
import { createContext } from "./trpc/context";
import { logCallError, retryAfterOf } from "./trpc/errors";
import { callCount, proceduresOf, recordFailedCall, restRateLimited, trpcRateLimited } from "./trpc/metrics";
import { openApiDocument, REST_BASE } from "./trpc/openapi";
import { restApp } from "./trpc/rest";
import { appRouter } from "./trpc/router";

export interface CreateAppOptions {
  /** The tRPC router to serve; the app's own by default (tests may serve an extended one). */
  router?: AnyRouter;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * What every answer carries and records, done from node:http around the app (infra/http/front.ts)
 * rather than in Hono's chain: the request id, security headers and CORS (infra/http/headers.ts
 * sets what hono's requestId, secureHeaders and cors did, precomputed), and once the answer's
 * headers go out its metrics and log line.
 */
export function frontOptions(deps: AppDeps, router: AnyRouter = appRouter): Omit<FrontOptions, "fetch" | "hostname"> {
  const { config, logger, metrics } = deps;

  /** One request in the metrics: by route pattern; tRPC calls each by procedure (trpc/metrics.ts). */
  const recordRequest = (answer: Answered, method: string, path: string, status: number, seconds: number) => {
    if (answer.trpc) return; // the tRPC handler took it: each call is recorded as it ends
    if (path.startsWith("/trpc/")) {
      // Refused before the tRPC handler (body or rate limit): each call of the batch, with that status.
      for (const procedure of proceduresOf(router, path, config.limits.maxBatchSize)) {
        metrics.http(method, "/trpc", procedure, status, seconds);
      }
      return;
    }
    // No route's handler ran (a preflight, a path nothing serves): the catch-all, as a 404 "(unmatched)".
    const route = answer.route ?? "*";
    metrics.http(method, status === 404 && route.endsWith("*") ? "(unmatched)" : route, "", status, seconds);
  };

  return {
    // Liveness is about the process, not its stores: a constant answer, served by the front itself.
    liveness: { path: "/health", body: JSON.stringify({ status: "ok", version: config.version }) },
    headers: {
      // A caller's request id is kept only when it is short and plain, so it is safe to log and echo.
      requestIdPattern: REQUEST_ID,
      corsOrigins: config.corsOrigins,
      allowHeaders: [
        "content-type",
        "authorization",
        "x-request-id",
        "x-csrf-token",
        "trpc-accept",
        "x-file-name",
        "idempotency-key",
      ],
      exposeHeaders: ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"],
      maxAge: 600,
    },
    answered(answer, status) {
      const elapsed = performance.now() - answer.started;
      const method = answer.req.method ?? "GET";
      const url = originFormOf(answer.req.url ?? "/");
      const query = url.indexOf("?");
      const path = query < 0 ? url : url.slice(0, query);
      recordRequest(answer, method, path, status, elapsed / 1000);
      if (path.startsWith("/health")) return;
      logger.info(
        {
          requestId: answer.requestId,
          method,
          path,
          status,
          ms: Math.round(elapsed * 10) / 10,
          userId: answer.userId,
          orgId: answer.orgId,
        },
        "request",
      );
    },
  };
}

export function createApp(deps: AppDeps, options: CreateAppOptions = {}): Hono<AppEnv> {
  const { config, logger } = deps;
  const router = options.router ?? appRouter;
  const clientIp = clientIpResolver(config.trustedProxies);
  const { metrics } = deps;
  // Every route on one router: RegExpRouter, SmartRouter's first choice, refuses some of the REST
  // face's paths (`/api/v1/contacts/blocked/:userId` next to `/contacts/:userId`), and of the
  // others TrieRouter matches this route table fastest (0.6–1.9 µs a path; PatternRouter ~10 µs,
  // LinearRouter ~30–45 µs). Each handler records its route for the metrics.
  const app = new Hono<AppEnv>({ router: new RouteRecorder(new TrieRouter()) });

  // Prometheus metrics of this node (docs/operations.md, "Metrics"), behind METRICS_TOKEN; off without one.
  const metricsToken = config.metrics.token && createHash("sha256").update(config.metrics.token).digest();
  app.use("/metrics", compression(config.limits.compressMinBytes));
  app.get("/metrics", async (c) => {
    if (!metricsToken) return httpError(c, 404, "NOT_FOUND", "Not found");
    const presented = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? "";
    if (!timingSafeEqual(createHash("sha256").update(presented).digest(), metricsToken)) {
      c.header("www-authenticate", 'Bearer realm="metrics"');
      return httpError(c, 401, "UNAUTHORIZED", "A valid metrics token is required");
    }
    return c.body(await metrics.registry.metrics(), 200, {
      "content-type": metrics.registry.contentType,
      "cache-control": "no-store",
    });
  });

  app.get("/health/ready", async (c) => {
    const readiness = await checkReadiness(deps);
    return c.json(readiness, readiness.status === "ok" ? 200 : 503);
  });

  /** The tRPC context of an HTTP request, for /trpc and /api/v1 alike. */
  const httpContext = async (c: HonoContext<AppEnv>, headers: Headers, resHeaders: Headers, face: "trpc" | "rest") => {
    const record = recordOf(c);
    const ctx = await createContext({
      deps,
      requestId: record.requestId,
      headers,
      ip: clientIp(c.env.incoming),
      transport: "http",
      resHeaders,
      authenticated: authenticateRequest(c, deps.authenticator),
      face,
    });
    if (ctx.principal) {
      record.userId = ctx.principal.userId;
      record.orgId = ctx.principal.organizationId;
    }
    return ctx;
  };

  // tRPC answers are per caller (a batch mixes public and private procedures, and may carry a
  // refreshed session cookie): no browser or shared cache keeps any of them, errors included.
  app.use("/trpc/*", async (c, next) => {
    await next();
    c.res.headers.set("cache-control", "no-store");
  });
  // Large answers compressed (never the streaming batch); the general rate limit, a call a point.
  app.use("/trpc/*", compression(config.limits.compressMinBytes));
  const limited = (reject: Parameters<typeof rateLimit>[0]["reject"], cost?: (c: HonoContext<AppEnv>) => number) =>
    rateLimit({ limiter: deps.requestLimiter, authenticator: deps.authenticator, clientIp, metrics, reject, cost });
  app.use(
    "/trpc/*",
    limited(trpcRateLimited(router, config.limits.maxBatchSize), (c) =>
      Math.min(callCount(c.req.path), config.limits.maxBatchSize),
    ),
  );
  app.use("/trpc/*", limitBody(config.limits.maxBodyBytes, "Request body"));
  const trpcHandler = trpcServer({
    router,
    endpoint: "/trpc",
    // A query whose input would not fit in a URL may come as a POST body (@p2p/client does so).
    allowMethodOverride: true,
    maxBatchSize: config.limits.maxBatchSize,
    createContext: (opts, c) => httpContext(c, opts.req.headers, opts.resHeaders, "trpc"),
    onError: (opts) => {
      logCallError(logger, opts.error, { path: opts.path }, "procedure failed");
      recordFailedCall(metrics, router, "http", opts);
    },
    // A store that cannot be reached answers 503 (the formatter sets the status), a rate limit 429,
    // both with Retry-After (the longest wait of a batch's calls), as REST does. With the streaming
    // batch link the status line is sent before any call ends; each call's error still says when.
    responseMeta: ({ errors }) => {
      const waits = errors.flatMap((error) => retryAfterOf(error) ?? []);
      return waits.length ? { headers: { "retry-after": String(Math.max(...waits)) } } : {};
    },
  });
  app.use("/trpc/*", (c, next) => {
    recordOf(c).trpc = true; // each call's metrics are recorded as it ends (trpc/metrics.ts)
    return trpcHandler(c, next);
  });

  // The REST face of the same procedures (trpc/rest.ts), its OpenAPI document and a reference page.
  app.use(`${REST_BASE}/*`, compression(config.limits.compressMinBytes));
  app.use(`${REST_BASE}/*`, limited(restRateLimited(router)));
  const restDocument = openApiDocument(router, { version: config.version });
  app.get(`${REST_BASE}/openapi.json`, (c) => c.json(restDocument));
  app.get(`${REST_BASE}/docs`, Scalar({ url: `${REST_BASE}/openapi.json`, pageTitle: "P2P Sandbox API" }));
  app.route(
    REST_BASE,
    restApp({
      router,
      maxBodyBytes: config.limits.maxBodyBytes,
      logger,
      createContext: (c, resHeaders) => httpContext(c, c.req.raw.headers, resHeaders, "rest"),
    }),
  );

  if (config.devOutbox) {
    // The development inbox: without SMTP, mail stays in the outbox table; the seed script and
    // frontend developers read verification and invitation links here.
    app.get("/dev/outbox", async (c) => c.json(await deps.mail.outbox(c.req.query("to") ?? "", 20)));
  }

  app.use(
    "/files/*",
    limited((c, retryAfter, message) => httpError(c, 429, "RATE_LIMITED", message, { retryAfter })),
  );
  app.route("/files", fileRoutes(deps));
  app.use(
    "/notifications/*",
    limited((c, retryAfter, message) => httpError(c, 429, "RATE_LIMITED", message, { retryAfter })),
  );
  app.route("/notifications", notificationRoutes(deps));
  app.use(
    "/exports/*",
    limited((c, retryAfter, message) => httpError(c, 429, "RATE_LIMITED", message, { retryAfter })),
  );
  app.route("/exports", exportRoutes(deps));
  // SuperTokens' own routes (sign-out, email verification status) when it keeps the sessions.
  if (deps.identity.name === "supertokens") app.route("/auth", superTokensRoutes());
  const notFound = (c: HonoContext<AppEnv>) => httpError(c, 404, "NOT_FOUND", "Not found");
  app.notFound(
    config.web.distDir ? serveWebApp(app, config.web.distDir, new URL(config.publicUrl).origin, notFound) : notFound,
  );
  app.onError((err, c) => {
    // Plain HTTP routes (files) meeting an unreachable store: 503 with Retry-After, never 500.
    const store = unavailableStore(err);
    if (store) {
      warnStoreUnavailable(logger, store, err, { requestId: recordOf(c).requestId, path: c.req.path });
      const unavailable = storeUnavailable(store === "unknown" ? undefined : store);
      return httpError(c, httpStatusOf.STORE_UNAVAILABLE as 503, unavailable.code, unavailable.message);
    }
    logger.error({ err, requestId: recordOf(c).requestId }, "unhandled error");
    return httpError(c, 500, "INTERNAL", "Internal server error");
  });
  return app;
}
