import { performance } from "node:perf_hooks";
import { type FieldIssue, limits } from "@p2p/schemas";
import { getTRPCErrorFromUnknown, initTRPC, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { Principal } from "../infra/auth/authenticator";
import { DomainError } from "../lib/errors";
import { isAsyncIterable, whileAccessHolds } from "./caller";
import type { Context } from "./context";
import { appCodeFor, domainErrorOf, mapStreamErrors, toTRPCError, trpcCodeFor } from "./errors";
import type { Meta } from "./meta";
import { recordCall } from "./metrics";
import { wireTransformer } from "./transformer";

interface IssueLike {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
  code?: string;
}

/** Zod (and any Standard Schema) validation issues, as `{ path: "organization.name", message }`. */
function fieldIssues(cause: unknown): FieldIssue[] | undefined {
  if (cause instanceof DomainError) return cause.issues;
  const issues = (cause as { issues?: unknown })?.issues;
  if (!Array.isArray(issues)) return undefined;
  return (issues as IssueLike[]).slice(0, 50).map((i) => ({
    path: (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
    message: i.message,
    code: i.code ?? "invalid",
  }));
}

/** An error thrown by JSON or superjson parsing rather than by our validation or rules. */
const isParserFailure = (cause: unknown) => cause instanceof Error && !(cause instanceof DomainError);

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: wireTransformer,
    // Stack traces never leave the server; they are logged with the request id instead.
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const issues = error.code === "BAD_REQUEST" ? fieldIssues(error.cause) : undefined;
      const appCode = appCodeFor(error);
      const internal = appCode === "INTERNAL";
      // A store failure outside any procedure (authenticating in createContext) is still a 503.
      const code = trpcCodeFor(error);
      const domain = domainErrorOf(error);
      // Parser failures (bad JSON, deep nesting, __proto__) describe our internals, not the caller's mistake.
      const unreadable =
        error.code === "PARSE_ERROR" || (error.code === "BAD_REQUEST" && !issues && isParserFailure(error.cause));
      let message = internal
        ? "Internal server error"
        : unreadable
          ? "Malformed request"
          : (domain?.message ?? shape.message);
      if (issues) {
        message = `Invalid input: ${issues
          .slice(0, 3)
          .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
          .join("; ")}`;
      }
      return {
        code: code === error.code ? shape.code : TRPC_ERROR_CODES_BY_KEY[code],
        message: message.slice(0, limits.mediumText),
        data: {
          code,
          httpStatus: code === error.code ? shape.data.httpStatus : getHTTPStatusCodeFromError({ code } as TRPCError),
          path: shape.data.path,
          appCode,
          issues,
          details: domain?.details,
          requestId: ctx?.requestId,
        },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;

/** A thrown error as the caller gets it: a DomainError (or an unreachable store) as its TRPCError. */
function callError(cause: unknown): TRPCError {
  const error = getTRPCErrorFromUnknown(cause);
  const domain = domainErrorOf(error);
  return domain ? toTRPCError(domain) : error;
}

/**
 * What a procedure builder (trpc/procedures.ts) checks of the caller before the call, and what it
 * adds to the context: throws when the caller may not call (a DomainError), else answers the
 * additions (e.g. the principal, no longer null).
 */
export type Admission<Extra extends object> = (
  principal: Principal | null,
  call: { ctx: Context; type: "query" | "mutation" | "subscription" },
) => Extra;

/**
 * Every procedure starts here, in one middleware with its builder's admission (each tRPC
 * middleware layer copies the call's options and context, a measurable share of a small call):
 * - Services throw transport-neutral DomainErrors: they become the TRPCError with the matching
 *   code, also when a subscription's stream throws once it runs.
 * - Every call sees the caller as they are now (a WebSocket asks again on each message), and a
 *   subscription ends when that changes. Subscription bodies stop on `ctx.signal`: it aborts when
 *   the client leaves or the caller's access changes.
 * - The caller is admitted (or refused) by the builder's rule, on that principal.
 * - Every call is counted and timed (trpc/metrics.ts), with the error the caller gets.
 */
function callSetup<Extra extends object>(admit: Admission<Extra>) {
  return t.middleware(async ({ ctx, path, type, next, signal }) => {
    const started = performance.now();
    const enter = (principal: Principal | null, callSignal: AbortSignal | undefined) =>
      next({ ctx: { principal, signal: callSignal, ...admit(principal, { ctx, type }) } });
    let result: Awaited<ReturnType<typeof enter>>;
    try {
      if (ctx.connection) await ctx.connection.limits.takeCall(ctx.connection);
      if (type !== "subscription") {
        // An HTTP request's caller is the one authenticated as it arrived: no need to ask again.
        result = await enter(ctx.transport === "http" ? ctx.principal : await ctx.currentPrincipal(), signal);
      } else {
        result = await whileAccessHolds(ctx, signal, enter);
      }
    } catch (cause) {
      const error = callError(cause);
      recordCall(ctx, path, type, { ok: false, error }, started);
      throw error;
    }
    if (!result.ok) {
      const domain = domainErrorOf(result.error);
      if (domain) {
        const error = toTRPCError(domain);
        recordCall(ctx, path, type, { ok: false, error }, started);
        throw error;
      }
    } else if (type === "subscription" && isAsyncIterable(result.data)) {
      result = { ...result, data: mapStreamErrors(result.data) };
    }
    recordCall(ctx, path, type, result, started);
    return result;
  });
}

/** A procedure builder admitting callers by `admit` (see callSetup). */
export const admittingProcedure = <Extra extends object>(admit: Admission<Extra>) => t.procedure.use(callSetup(admit));

/** Every caller admitted (trpc/procedures.ts builds on the same setup with its rules). */
export const baseProcedure = admittingProcedure(() => ({}));
