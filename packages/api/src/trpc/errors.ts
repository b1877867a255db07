import type { AppErrorCode } from "@p2p/schemas";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { Logger } from "../infra/logger";
import { type StoreName, unavailableStore, warnStoreUnavailable } from "../infra/store-errors";
import { DomainError, STORE_RETRY_AFTER_SECONDS, storeUnavailable } from "../lib/errors";
import { type IteratorHooks, wrapIterator } from "../lib/iterators";

const trpcCodeOf: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  EMAIL_TAKEN: "CONFLICT",
  INVALID_CREDENTIALS: "UNAUTHORIZED",
  TOTP_REQUIRED: "UNAUTHORIZED",
  INVALID_TOKEN: "BAD_REQUEST",
  ACCOUNT_DEACTIVATED: "FORBIDDEN",
  LAST_ADMIN: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  METHOD_NOT_ALLOWED: "METHOD_NOT_SUPPORTED",
  STORE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** A service's DomainError as the TRPCError a client sees; the DomainError stays its cause for the formatter. */
export const toTRPCError = (error: DomainError) =>
  new TRPCError({ code: trpcCodeOf[error.code], message: error.message, cause: error });

/**
 * What a thrown error means to a caller: a DomainError as it is, and a failure to reach a store
 * (classified in one place, `infra/store-errors.ts`) as STORE_UNAVAILABLE. Null for anything else,
 * which stays an internal error.
 */
export function asDomainError(err: unknown): DomainError | null {
  if (err instanceof DomainError) return err;
  const store = unavailableStore(err);
  if (!store) return null;
  const domain = storeUnavailable(store === "unknown" ? undefined : store);
  domain.cause = err; // for the log line, never for the caller
  return domain;
}

/** tRPC wraps anything a resolver (or createContext) throws; this finds the DomainError inside, if there is one. */
export const domainErrorOf = (error: TRPCError): DomainError | null => asDomainError(error.cause);

/**
 * The Retry-After header's seconds for a failed call, on both faces (/trpc and REST): an unreachable
 * store, or the wait a rate limit named; null for anything else.
 */
export function retryAfterOf(error: TRPCError): number | null {
  const domain = domainErrorOf(error);
  if (domain?.code === "STORE_UNAVAILABLE") return STORE_RETRY_AFTER_SECONDS;
  if (domain?.code === "RATE_LIMITED" && typeof domain.details?.retryAfter === "number")
    return domain.details.retryAfter;
  return null;
}

/** The tRPC code a caller sees: the DomainError's, also for errors raised outside a procedure (createContext). */
export const trpcCodeFor = (error: TRPCError): TRPC_ERROR_CODE_KEY => {
  const domain = domainErrorOf(error);
  return domain ? trpcCodeOf[domain.code] : error.code;
};

/**
 * Logs a failed call once: an unreachable store as a (rate-limited) warning, an internal error
 * with its cause; expected failures (bad input, permissions) not at all.
 */
export function logCallError(logger: Logger, error: TRPCError, context: Record<string, unknown>, message: string) {
  const domain = domainErrorOf(error);
  if (domain?.code === "STORE_UNAVAILABLE") {
    const store = (domain.details?.store as StoreName | undefined) ?? "unknown";
    warnStoreUnavailable(logger, store, domain.cause ?? error, context);
  } else if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, ...context }, message);
}

const appCodeOf: Partial<Record<TRPC_ERROR_CODE_KEY, AppErrorCode>> = {
  BAD_REQUEST: "BAD_REQUEST",
  PARSE_ERROR: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  METHOD_NOT_SUPPORTED: "METHOD_NOT_ALLOWED",
  SERVICE_UNAVAILABLE: "STORE_UNAVAILABLE",
};

export function appCodeFor(error: TRPCError): AppErrorCode {
  return domainErrorOf(error)?.code ?? appCodeOf[error.code] ?? "INTERNAL";
}

const streamErrors: IteratorHooks<unknown, unknown> = {
  mapError: (err) => {
    const domain = asDomainError(err);
    return domain ? toTRPCError(domain) : err;
  },
};

/**
 * Re-throws DomainErrors (and store failures) as TRPCErrors, also those a subscription's stream throws
 * after it started. A plain iterator, not a generator: it is one layer of every idle subscription.
 */
export function mapStreamErrors<T>(stream: AsyncIterable<T>): AsyncIterableIterator<T> {
  return wrapIterator(stream, streamErrors as IteratorHooks<T, T>);
}
