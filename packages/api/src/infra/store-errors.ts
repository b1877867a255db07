import type { Logger } from "./logger";

/** The stores a request may depend on; `/health/ready` names the same components. */
export type StoreName = "postgres" | "mongo" | "redis" | "storage";

/** Thrown by our own adapters when a store does not answer (e.g. Redis not confirming a subscription in time). */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: StoreName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

const STORE = Symbol("store");

/** Marks an error as coming from `store`'s driver, for a driver whose errors do not say so themselves. */
export function markStore<E>(err: E, store: StoreName): E {
  if (err instanceof Error && !(STORE in err)) Object.defineProperty(err, STORE, { value: store });
  return err;
}

// Node socket and DNS failures: the server is down, restarting, unreachable or cut the connection.
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_SOCKET_CLOSED",
  "ERR_STREAM_DESTROYED",
]);

// PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now (starting up, shutting down, in recovery), 53300 too_many_connections.
const PG_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
// node-postgres and pg-pool messages for a connection that died, never came up, or a pool that is gone.
const PG_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end on the pool|Query read timeout)/;

// The mongodb driver's classes for "no server to talk to" (by name: instanceof breaks across copies).
const MONGO_NAMES = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoPoolClearedError",
  "PoolClearedError",
  "PoolClearedOnNetworkError",
  "MongoPoolClosedError",
  "PoolClosedError",
  "MongoWaitQueueTimeoutError",
  "WaitQueueTimeoutError",
]);
// MongoServerError codes of a server that is shutting down, stepping down or cannot reach a host:
// 6 HostUnreachable, 7 HostNotFound, 89 NetworkTimeout, 91 ShutdownInProgress, 189 PrimarySteppedDown,
// 10107 NotWritablePrimary, 11600 InterruptedAtShutdown, 11602 InterruptedDueToReplStateChange,
// 13435 NotPrimaryNoSecondaryOk, 13436 NotPrimaryOrSecondary.
const MONGO_CODES = new Set([6, 7, 89, 91, 189, 10107, 11600, 11602, 13435, 13436]);
// FerretDB answers InternalError (code 1) when its own PostgreSQL backend cannot be reached.
const FERRET_BACKEND_DOWN =
  /failed to connect|connection refused|dial error|conn closed|unexpected EOF|broken pipe|connection reset|SQLSTATE (08|57P0)/i;

// ioredis (and BullMQ, rate-limiter-flexible on top of it) while the connection is down, and Redis
// itself while it loads its data after a restart or cannot serve.
const REDIS_MESSAGE =
  /^(Connection is closed|Stream isn't writeable and enableOfflineQueue options is false|Reached the max retries per request limit|Command timed out|Command aborted due to connection close|Redis connection is not ready|LOADING |MASTERDOWN |TRYAGAIN |CLUSTERDOWN )/;
const REDIS_NAMES = new Set(["MaxRetriesPerRequestError", "ConnectionClosedError"]);

// AWS SDK errors carry `$metadata`; these names mean the request never got an answer in time.
const AWS_TIMEOUT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "NetworkingError"]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: number };
  [STORE]?: StoreName;
}

/**
 * Which store an error says cannot be reached right now, `"unknown"` when it is a connection
 * failure of a store the error does not name, or null when it is anything else (a bug, a
 * constraint violation, bad input). The one place that knows what each driver throws while its
 * server is down, restarting or unreachable; callers answer 503 STORE_UNAVAILABLE for it.
 *
 * Looks through `cause` chains and AggregateErrors (Node reports a failed connect to every
 * address of a host as one).
 */
export function unavailableStore(err: unknown, depth = 0): StoreName | "unknown" | null {
  if (typeof err !== "object" || err === null || depth > 4) return null;
  const e = err as ErrorLike;
  if (err instanceof StoreUnavailableError) return err.store;
  const name = typeof e.name === "string" ? e.name : "";
  const message = typeof e.message === "string" ? e.message : "";
  const code = e.code;
  const marked = e[STORE];

  if (MONGO_NAMES.has(name)) return "mongo";
  if (name === "MongoServerError" || name === "MongoWriteConcernError") {
    if (typeof code === "number" && MONGO_CODES.has(code)) return "mongo";
    if (code === 1 && FERRET_BACKEND_DOWN.test(message)) return "mongo";
    return null;
  }
  if (REDIS_NAMES.has(name) || REDIS_MESSAGE.test(message)) return "redis";
  if (e.$metadata) {
    const status = e.$metadata.httpStatusCode;
    if (AWS_TIMEOUT_NAMES.has(name) || (typeof code === "string" && SOCKET_CODES.has(code))) return "storage";
    if (status === 503 || name === "ServiceUnavailable" || name === "SlowDown") return "storage";
    return null;
  }
  if (typeof code === "string" && PG_SQLSTATE.test(code) && "severity" in e) return "postgres";
  if (PG_MESSAGE.test(message)) return "postgres";
  if (typeof code === "string" && SOCKET_CODES.has(code)) return marked ?? "unknown";

  for (const inner of Array.isArray(e.errors) ? e.errors : []) {
    const found = unavailableStore(inner, depth + 1);
    if (found) return found === "unknown" && marked ? marked : found;
  }
  const fromCause = unavailableStore(e.cause, depth + 1);
  return fromCause === "unknown" && marked ? marked : fromCause;
}

const WARN_EVERY_MS = 10_000;
const lastWarned = new WeakMap<Logger, Map<string, { at: number; suppressed: number }>>();

/**
 * Logs a call that failed because a store is unreachable: a warning (it is an outage, not a bug),
 * at most once per store every few seconds with the number of failures in between, so an outage
 * does not flood the log with one error per request.
 */
export function warnStoreUnavailable(
  logger: Logger,
  store: StoreName | "unknown",
  err: unknown,
  context: Record<string, unknown> = {},
): void {
  let byStore = lastWarned.get(logger);
  if (!byStore) {
    byStore = new Map();
    lastWarned.set(logger, byStore);
  }
  const now = Date.now();
  const last = byStore.get(store);
  if (last && now - last.at < WARN_EVERY_MS) {
    last.suppressed++;
    return;
  }
  byStore.set(store, { at: now, suppressed: 0 });
  logger.warn(
    { store, err: err instanceof Error ? err.message : String(err), ...context, suppressed: last?.suppressed ?? 0 },
    "store unavailable",
  );
}
