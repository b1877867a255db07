import type { AppErrorCode, FieldIssue } from "@p2p/schemas";

/**
 * The one way services report an expected failure: a stable app code and a message for people.
 * It knows nothing of tRPC or HTTP; `trpc/errors.ts` and the plain-HTTP routes map it to a
 * response. Anything else thrown is an internal error and never shown to callers.
 */
export class DomainError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Field-level problems, for input the schema could not check (e.g. a common password). */
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** `throw appError("EMAIL_TAKEN", "…")`. */
export const appError = (code: AppErrorCode, message: string, details?: Record<string, unknown>) =>
  new DomainError(code, message, details);

/** A rule about one input field that the schema cannot check; the answer names the field. */
export const fieldError = (path: string, message: string) =>
  new DomainError("BAD_REQUEST", `Invalid input: ${path}: ${message}`, undefined, [{ path, message, code: "custom" }]);

export const notFound = (what = "Resource") => appError("NOT_FOUND", `${what} not found`);

/** How long a client should wait before retrying a call that met an unreachable store (`Retry-After`). */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * A store (PostgreSQL, MongoDB, Redis, S3) cannot be reached: 503, worth retrying shortly. The
 * transports map store failures to this in one place; services may throw it too.
 */
export const storeUnavailable = (store?: string) =>
  appError("STORE_UNAVAILABLE", "Service temporarily unavailable, retry shortly", {
    ...(store ? { store } : {}),
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
  });

/** The HTTP status each app code answers with, for every transport that speaks HTTP. */
export const httpStatusOf: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  INVALID_TOKEN: 400,
  ACCOUNT_DEACTIVATED: 403,
  LAST_ADMIN: 409,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
};
