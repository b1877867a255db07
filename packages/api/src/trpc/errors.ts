import type { AppErrorCode } from "@p2p/schemas";
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";

/** Carried as a TRPCError's cause so the formatter can put a stable app code into `error.data`. */
export class AppErrorCause extends Error {
  constructor(
    readonly appCode: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppErrorCause";
  }
}

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
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** The one way services report an expected failure: `throw appError("EMAIL_TAKEN", "…")`. */
export function appError(code: AppErrorCode, message: string, details?: Record<string, unknown>): TRPCError {
  return new TRPCError({ code: trpcCodeOf[code], message, cause: new AppErrorCause(code, message, details) });
}

/** A rule about one input field that the schema cannot check (e.g. a common password). */
export function fieldError(path: string, message: string): TRPCError {
  const cause = new AppErrorCause("BAD_REQUEST", `Invalid input: ${path}: ${message}`);
  Object.assign(cause, { issues: [{ path: path.split("."), message, code: "custom" }] });
  return new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
}

export const notFound = (what = "Resource") => appError("NOT_FOUND", `${what} not found`);

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
};

export function appCodeFor(error: TRPCError): AppErrorCode {
  if (error.cause instanceof AppErrorCause) return error.cause.appCode;
  return appCodeOf[error.code] ?? "INTERNAL";
}
