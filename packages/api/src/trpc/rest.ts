/**
 * The REST face (`/api/v1`): the same procedures as /trpc, for clients that do not speak tRPC.
 * Every query or mutation whose metadata carries `openapi: { method, path }` (see meta.ts) is a
 * route here, and trpc/openapi.ts describes them all in an OpenAPI 3.1 document.
 *
 * A REST call is a tRPC call: the same `createContext` (bearer token, API key, or session cookie
 * with the anti-CSRF header on mutations), the same builders and middlewares, input and output
 * schemas, services and error formatter. Only the wire format differs: plain JSON instead of
 * superjson (dates are ISO strings), input from the path, the query string (GET, DELETE) or the
 * JSON body, and errors as `RestErrorBody` (`{ message, code, appCode, issues?, details?,
 * requestId }`) with the HTTP status /trpc would answer.
 *
 * trpc-to-openapi generates the document; its request handler is not used, because it coerces
 * query strings by setting `coerce` on the procedures' own zod schemas: after one REST request,
 * `"false"` would parse as `true` for that boolean everywhere, /trpc included. `queryInput` below
 * converts query strings without touching any schema.
 */
import type { RestErrorBody } from "@p2p/schemas";
import {
  type AnyProcedure,
  type AnyRouter,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type TRPC_ERROR_CODE_KEY,
  TRPCError,
} from "@trpc/server";
import type { Context as HonoContext } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type AppEnv, recordOf } from "../infra/http/env";
import type { Logger } from "../infra/logger";
import { fieldError } from "../lib/errors";
import type { Context } from "./context";
import { logCallError, retryAfterOf, toTRPCError } from "./errors";
import { createCallerFactory } from "./init";
import type { Meta, RestMethod } from "./meta";

/** One REST route: the procedure it calls and where it lives. */
export interface RestRoute {
  method: RestMethod;
  /** As in the metadata, e.g. `/users/{id}`. */
  path: string;
  /** The procedure's dotted path, e.g. `users.get`. */
  procedure: string;
  type: "query" | "mutation";
  meta: Meta;
  def: AnyProcedure["_def"];
}

/** The REST routes of a router, checked: queries are GET, mutations are not, no two routes clash. */
export function restRoutes(router: AnyRouter): RestRoute[] {
  const routes: RestRoute[] = [];
  const seen = new Map<string, string>();
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, AnyProcedure>)) {
    const def = procedure._def;
    const meta = (def.meta ?? {}) as Meta;
    if (!meta.openapi || meta.openapi.enabled === false) continue;
    const { method } = meta.openapi;
    if (def.type === "subscription") throw new Error(`${path}: subscriptions have no REST mapping`);
    if ((def.type === "query") !== (method === "GET")) {
      throw new Error(`${path}: a ${def.type} cannot be ${method} (queries are GET, mutations are not)`);
    }
    // `/users/{id}` and `/users/{userId}` are the same route.
    const shape = `${method} ${meta.openapi.path.replace(/\{[^}]+\}/g, "{}").toLowerCase()}`;
    const clash = seen.get(shape);
    if (clash) throw new Error(`${path}: ${method} ${meta.openapi.path} is already ${clash}`);
    seen.set(shape, path);
    const key = meta.idempotencyKey;
    if (key !== undefined && (def.type !== "mutation" || !Object.hasOwn(inputShape(def), key))) {
      throw new Error(`${path}: the Idempotency-Key header fills ${key}, which must be a field of a mutation's input`);
    }
    routes.push({ method, path: meta.openapi.path, procedure: path, type: def.type, meta, def });
  }
  // A literal segment goes before a parameter in the same place: /users/me before /users/{id}.
  const key = (r: RestRoute) => r.path.replace(/\{[^}]+\}/g, "\uffff");
  return routes.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// --- input ---------------------------------------------------------------------------------------

interface ZodLike {
  _zod: {
    def: { type: string; innerType?: ZodLike; in?: ZodLike; element?: ZodLike; shape?: Record<string, ZodLike> };
  };
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "nonoptional", "readonly", "catch"]);

/** The schema under optional/nullable/default wrappers and transforms (the type a value must have). */
function baseOf(schema: ZodLike): ZodLike {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = s._zod.def;
    const next = WRAPPERS.has(def.type) ? def.innerType : def.type === "pipe" ? def.in : undefined;
    if (!next) return s;
    s = next;
  }
  return s;
}

/** An RFC 3339 date-time with its offset: seconds optional, `t`/`z` in either case, ±hh:mm or ±hhmm. */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** The date `value` names as DATE_TIME writes it, or null (nothing else is guessed at). */
function dateTime(value: string): Date | null {
  const parts = DATE_TIME.exec(value);
  if (!parts) return null;
  const [, day = "", time, seconds = ":00", zone = "Z"] = parts;
  const offset = /^z$/i.test(zone) ? "Z" : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${day}T${time}${seconds}${offset}`);
  if (Number.isNaN(date.getTime()) || !onTheCalendar(day)) return null;
  return date;
}

/** Whether a YYYY-MM-DD day exists: Date rolls 2030-02-30 over into March instead of refusing it. */
function onTheCalendar(day: string): boolean {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, date));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === date;
}

/** A query-string value as the type its field expects; anything else stays a string for validation to refuse. */
function fromString(value: string, schema: ZodLike): unknown {
  switch (baseOf(schema)._zod.def.type) {
    case "number":
      // As JSON writes numbers, exponent included (Python's requests sends 1e-05).
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "date":
      // ISO 8601 with its offset only: Date's own parsing takes "1" for 2001 and reads a time
      // without an offset in the server's zone.
      return dateTime(value) ?? value;
    default:
      return value;
  }
}

/** The fields of a procedure's input schema(s). */
function inputShape(def: RestRoute["def"]): Record<string, ZodLike> {
  const shape: Record<string, ZodLike> = {};
  for (const input of def.inputs as unknown as ZodLike[]) Object.assign(shape, baseOf(input)._zod.def.shape ?? {});
  return shape;
}

/**
 * A JSON body value as its field expects it: JSON has no dates, so a string where the schema wants
 * a date becomes one (ISO 8601, as the OpenAPI document says), in nested objects and lists too.
 * Anything else is left for validation to judge.
 */
function fromJson(value: unknown, schema: ZodLike): unknown {
  const base = baseOf(schema)._zod.def;
  if (base.type === "date" && typeof value === "string") return fromString(value, schema);
  if (base.type === "array" && Array.isArray(value) && base.element) {
    const element = base.element;
    return value.map((v) => fromJson(v, element));
  }
  if (base.type === "object" && base.shape && typeof value === "object" && value !== null && !Array.isArray(value)) {
    return objectFromJson(value as Record<string, unknown>, base.shape);
  }
  return value;
}

function objectFromJson(value: Record<string, unknown>, shape: Record<string, ZodLike>): Record<string, unknown> {
  // A copy (own keys only, "__proto__" included as data); only the schema's own fields are converted.
  const out = { ...value };
  for (const [key, field] of Object.entries(shape)) if (Object.hasOwn(out, key)) out[key] = fromJson(out[key], field);
  return out;
}

/** GET and DELETE input: the query string, read by the fields of the procedure's input schema. */
function queryInput(url: URL, shape: Record<string, ZodLike>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    // Not an input (the schema would drop it anyway); own keys only: "constructor" is no field.
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!field) continue;
    const base = baseOf(field);
    if (base._zod.def.type === "array") {
      const element = base._zod.def.element;
      input[key] = element ? values.map((v) => fromString(v, element)) : values;
    } else {
      // The same key twice for a single value: passed on as a list, so validation names the field.
      input[key] = values.length === 1 ? fromString(values[0] as string, field) : values;
    }
  }
  return input;
}

/** POST, PATCH and PUT input: a JSON object body (empty means `{}`). */
async function bodyInput(c: HonoContext<AppEnv>): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the body as application/json" });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({ code: "PARSE_ERROR", message: "Malformed request", cause });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "The body must be a JSON object" });
  }
  return body as Record<string, unknown>;
}

/**
 * The `Idempotency-Key` header as the input field it fills (the client key of a create a client may
 * retry, meta.ts `retriable`); a body naming another key is refused rather than one of them guessed.
 */
function keyFromHeader(c: HonoContext<AppEnv>, route: RestRoute, rest: Record<string, unknown>) {
  const field = route.meta.idempotencyKey;
  const key = c.req.header("idempotency-key");
  if (field === undefined || key === undefined) return {};
  if (Object.hasOwn(rest, field) && rest[field] !== key) {
    throw toTRPCError(fieldError(field, "The Idempotency-Key header names another key; send one of them"));
  }
  return { [field]: key };
}

async function readInput(c: HonoContext<AppEnv>, route: RestRoute, shape: Record<string, ZodLike>): Promise<unknown> {
  if (route.def.inputs.length === 0) return undefined;
  const fromPath = c.req.param() as Record<string, string>;
  const rest =
    route.method === "GET" || route.method === "DELETE"
      ? queryInput(new URL(c.req.url), shape)
      : objectFromJson(await bodyInput(c), shape);
  return { ...rest, ...keyFromHeader(c, route, rest), ...fromPath };
}

// --- errors --------------------------------------------------------------------------------------

interface FormattedError {
  message: string;
  data: {
    code: string;
    httpStatus: number;
    appCode: RestErrorBody["appCode"];
    issues?: RestErrorBody["issues"];
    details?: Record<string, unknown>;
    requestId?: string;
  };
}

// --- the routes ----------------------------------------------------------------------------------

export interface RestOptions {
  router: AnyRouter;
  /** Request body limit in bytes (the same as /trpc's). */
  maxBodyBytes: number;
  logger: Logger;
  /** The tRPC context of an HTTP request: the same function /trpc uses. */
  createContext(c: HonoContext<AppEnv>, resHeaders: Headers): Promise<Context>;
}

/** A Hono app with every REST route of the router, to mount at /api/v1. */
export function restApp({ router, maxBodyBytes, logger, createContext }: RestOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const createCaller = createCallerFactory(router);

  /** An error as the REST body, through the router's own error formatter (app code, issues, request id). */
  const errorResponse = (
    c: HonoContext<AppEnv>,
    cause: unknown,
    where: { route?: RestRoute; input?: unknown; ctx?: Context },
    headers?: Headers,
  ) => {
    const error = getTRPCErrorFromUnknown(cause);
    logCallError(logger, error, { path: where.route?.procedure, requestId: recordOf(c).requestId }, "procedure failed");
    const shape = getTRPCErrorShape({
      config: router._def._config,
      error,
      type: where.route?.type ?? "unknown",
      path: where.route?.procedure,
      input: where.input,
      ctx: where.ctx,
    }) as FormattedError;
    const { data } = shape;
    const body: RestErrorBody = {
      message: shape.message,
      code: data.code,
      appCode: data.appCode,
      ...(data.issues ? { issues: data.issues } : {}),
      ...(data.details ? { details: data.details } : {}),
      requestId: data.requestId ?? recordOf(c).requestId,
    };
    const res = c.json(body, data.httpStatus as ContentfulStatusCode);
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== null) res.headers.set("retry-after", String(retryAfter));
    for (const cookie of headers?.getSetCookie() ?? []) res.headers.append("set-cookie", cookie);
    return res;
  };
  const refuse = (c: HonoContext<AppEnv>, code: TRPC_ERROR_CODE_KEY, message: string) =>
    errorResponse(c, new TRPCError({ code, message }), {});

  // Answers are per caller (and may carry a rotated session cookie): nothing caches them.
  app.use(async (c, next) => {
    await next();
    c.res.headers.set("cache-control", "no-store");
  });
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        // The unread rest of the body means the connection must close.
        c.header("connection", "close");
        return refuse(c, "PAYLOAD_TOO_LARGE", `Request body exceeds ${maxBodyBytes} bytes`);
      },
    }),
  );

  // Routes grouped by path, in the sorted order (a literal segment before a parameter in the same
  // place). Each path's own methods, then a 405 with the methods it takes for any other, before the
  // next path: GET /users/me is answered by /users/me, and GET /users/invite (a POST path) is a
  // 405 there, not a lookup of the user "invite" under /users/{id}.
  const byPath = new Map<string, RestRoute[]>();
  for (const route of restRoutes(router)) {
    const shape = route.path.replace(/\{[^}]+\}/g, "{}");
    byPath.set(shape, [...(byPath.get(shape) ?? []), route]);
  }
  const honoPathOf = (route: RestRoute) => route.path.replace(/\{([^}]+)\}/g, ":$1");
  for (const routes of byPath.values()) {
    for (const route of routes) {
      const shape = inputShape(route.def); // once per route, not per request
      app.on(route.method, honoPathOf(route), async (c) => {
        const resHeaders = new Headers();
        let input: unknown;
        let ctx: Context | undefined;
        try {
          input = await readInput(c, route, shape);
          ctx = await createContext(c, resHeaders);
          const caller = createCaller(ctx, { signal: c.req.raw.signal }) as unknown as Record<string, unknown>;
          const call = route.procedure
            .split(".")
            .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], caller) as (input: unknown) => unknown;
          const data = await call(input);
          const res = c.json(data as object);
          for (const cookie of resHeaders.getSetCookie()) res.headers.append("set-cookie", cookie);
          return res;
        } catch (cause) {
          return errorResponse(c, cause, { route, input, ctx }, resHeaders);
        }
      });
    }
    const allow = routes
      .map((route) => route.method)
      .sort()
      .join(", ");
    app.all(honoPathOf(routes[0] as RestRoute), (c) => {
      const res = refuse(c, "METHOD_NOT_SUPPORTED", `${c.req.method} is not allowed here; use ${allow}`);
      res.headers.set("allow", allow);
      return res;
    });
  }
  app.all("*", (c) => refuse(c, "NOT_FOUND", `No such endpoint: ${c.req.method} ${c.req.path}`));
  return app;
}
