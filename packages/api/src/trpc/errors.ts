import type { AppErrorCode } from "@p2p/schemas";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { DomainError } from "../lib/errors";

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
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** A service's DomainError as the TRPCError a client sees; the DomainError stays its cause for the formatter. */
export const toTRPCError = (error: DomainError) =>
  new TRPCError({ code: trpcCodeOf[error.code], message: error.message, cause: error });

/** tRPC wraps anything a resolver throws; this finds the DomainError inside, if there is one. */
export const domainErrorOf = (error: TRPCError): DomainError | null =>
  error.cause instanceof DomainError ? error.cause : null;

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
};

export function appCodeFor(error: TRPCError): AppErrorCode {
  return domainErrorOf(error)?.code ?? appCodeOf[error.code] ?? "INTERNAL";
}

/** Re-throws DomainErrors as TRPCErrors, also those a subscription's stream throws after it started. */
export async function* mapStreamErrors<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (err) {
    throw err instanceof DomainError ? toTRPCError(err) : err;
  }
}
