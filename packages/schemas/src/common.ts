import { z } from "zod";

/** Stable application error codes carried in `error.data.appCode`. Clients switch on these, never on messages. */
export const appErrorCodes = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "EMAIL_TAKEN",
  "INVALID_CREDENTIALS",
  "TOTP_REQUIRED",
  "INVALID_TOKEN",
  "ACCOUNT_DEACTIVATED",
  "LAST_ADMIN",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "METHOD_NOT_ALLOWED",
  /** A store (PostgreSQL, MongoDB, Redis, S3) cannot be reached right now: retry after a few seconds. */
  "STORE_UNAVAILABLE",
  "INTERNAL",
] as const;
export const AppErrorCode = z.enum(appErrorCodes);
export type AppErrorCode = z.infer<typeof AppErrorCode>;

/** One field-level problem in a rejected input: where (dot path) and why. */
export const FieldIssue = z.object({ path: z.string(), message: z.string(), code: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

/** Shape of the JSON body of plain HTTP errors (413, 415, 404 …) so they read like tRPC errors. */
export const HttpErrorBody = z.object({
  error: z.object({
    code: AppErrorCode,
    message: z.string(),
    /** As in a tRPC error's `data.details`, e.g. `retryAfter` (seconds) of RATE_LIMITED. */
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string().optional(),
  }),
});
export type HttpErrorBody = z.infer<typeof HttpErrorBody>;

/**
 * Body of every error the REST face (`/api/v1`) answers: the same message, app code, field issues,
 * details and request id a tRPC client finds in `error.data`; `code` is the tRPC error code.
 */
export const RestErrorBody = z.object({
  message: z.string(),
  code: z.string(),
  appCode: AppErrorCode,
  issues: z.array(FieldIssue).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  requestId: z.string().optional(),
});
export type RestErrorBody = z.infer<typeof RestErrorBody>;

export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

const COUNTRY_MESSAGE = "Use the two-letter ISO country code, e.g. SA";
const regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
/** Two-letter codes CLDR names that are not ISO 3166-1 countries (unions, aliases, placeholders). */
const NOT_COUNTRIES = new Set(["EU", "EZ", "QO", "UK", "UN", "XA", "XB", "ZZ"]);
/** An ISO 3166-1 alpha-2 country code (SA): a region the runtime's CLDR data names. */
export const CountryCode = z
  .string()
  .trim()
  .regex(/^[A-Z]{2}$/, COUNTRY_MESSAGE)
  // Only a well-formed code is looked up (the regex above names the others; `of` throws on them).
  .refine(
    (code) => !/^[A-Z]{2}$/.test(code) || (!NOT_COUNTRIES.has(code) && regionNames.of(code) !== undefined),
    COUNTRY_MESSAGE,
  );

const INSTANT_RANGE = "Must be a date in the years 1900 to 9999";
/** The dates every store and client can hold. */
export const instantRange = { min: new Date("1900-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z") };
/** A date a person gives (a due date, a "before" filter): years 1900 to 9999, which every store and client can hold. */
export const Instant = z.date().min(instantRange.min, INSTANT_RANGE).max(instantRange.max, INSTANT_RANGE);

/** Limits shared by every schema: a client controls these sizes, so each one is bounded. */
export const limits = {
  pageSize: 100,
  defaultPageSize: 20,
  shortText: 200,
  mediumText: 2_000,
  longText: 50_000,
  cursor: 512,
  clientMessageId: 64,
} as const;

// Control characters (NUL above all) are refused: the stores reject some, and none belongs in text.
// So are the characters that reorder what follows them (bidirectional embeddings, overrides and
// isolates: "\u202Ebrah-lA" shows as "Al-harb"), and, in one-line text, line and paragraph separators.
const SINGLE_LINE = /^[^\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]*$/u;
const MULTI_LINE = /^[^\p{Cc}\u202A-\u202E\u2066-\u2069]*(?:[\t\n\r]+[^\p{Cc}\u202A-\u202E\u2066-\u2069]*)*$/u;
// A lone surrogate (half of a UTF-16 pair) is not text: PostgreSQL's jsonb refuses it (audit metadata,
// sign-up requests) and other stores silently replace it. Nor are the noncharacters (U+FFFE, U+FFFF,
// U+FDD0–U+FDEF…): XML forbids them, and one in a use case broke every spreadsheet export holding it.
const WELL_FORMED = /^[^\p{Cs}\p{Noncharacter_Code_Point}]*$/u;
const NOT_UNICODE = "Must be valid Unicode text";
// Whitespace and the invisible characters that mean nothing at either end (zero-width space and
// joiners, word joiner, BOM, soft hyphen) are trimmed; direction marks, an emoji's tag characters
// (a subdivision flag) and Arabic number signs are text and stay.
const EDGES = /^[\s\u200B-\u200D\u2060-\u2064\uFEFF\u00AD\u180E]+|[\s\u200B-\u200D\u2060-\u2064\uFEFF\u00AD\u180E]+$/gu;
// One Unicode form (NFC): "é" typed as one character or as "e" and a combining accent is one value, so
// filters, search and uniqueness see the same text however a keyboard or a paste composed it.
const trimmed = () => z.string().overwrite((value) => value.replace(EDGES, "").normalize("NFC"));
// Something a reader sees: not only format, combining or filler characters (a value of those shows blank).
const VISIBLE = /[^\s\p{Cf}\p{Mn}\p{Me}\u115F\u1160\u2800\u3164\uFFA0]/u;
const NOTHING_VISIBLE = "Must contain visible text";

/**
 * A client-made key (e.g. a UUID) that makes a retried create one item, per person: a message
 * (`messages.send`), a topic, a post or a task takes it as `clientMessageId` (over REST, the
 * `Idempotency-Key` header fills it). The same key with the same request answers with what the
 * first one made; with another request it is CONFLICT: a key is for retries of one request.
 */
export const ClientMessageId = z
  .string()
  .min(8)
  .max(limits.clientMessageId)
  .regex(/^[A-Za-z0-9_-]+$/, "Letters, digits, - and _ only");

/** Trimmed single-line text with a maximum length, without control or reordering characters. */
export const text = (max: number = limits.shortText) =>
  trimmed()
    .max(max)
    .regex(SINGLE_LINE, "Must not contain control, line-separator or text-direction characters")
    .regex(WELL_FORMED, NOT_UNICODE)
    .refine((value) => value === "" || VISIBLE.test(value), NOTHING_VISIBLE);

/** Trimmed text that may span lines (tab, newline, carriage return), without other control or reordering characters. */
export const multilineText = (max: number = limits.mediumText) =>
  trimmed()
    .max(max)
    .regex(MULTI_LINE, "Must not contain control or text-direction characters other than tabs and newlines")
    .regex(WELL_FORMED, NOT_UNICODE)
    .refine((value) => value === "" || VISIBLE.test(value), NOTHING_VISIBLE);
export const requiredText = (max: number = limits.shortText) => text(max).min(1, "Required");

/**
 * Whether a URL names a user or password (`https://user:pass@host`): an "@" in its authority, the
 * part before the path, where a URL parser reads one (a backslash ends it too, in http(s)). A
 * regular expression, not `URL`: this package is built without the DOM's or Node's types.
 */
const CREDENTIALS = /^[a-z][a-z\d+.-]*:\/\/[^/?#\\]*@/i;
const hasCredentials = (value: string) => CREDENTIALS.test(value);

/**
 * A web address others are shown (an organization's site, a vendor's): http or https, no spaces,
 * and no user name or password in it, which every reader would see.
 */
export const webAddress = (max: number) =>
  z
    .url({ protocol: /^https?$/ })
    .max(max)
    .regex(/^\S+$/, "A web address has no spaces")
    .refine((value) => !hasCredentials(value), "A web address must not contain a user name or password");

/** Files attached to something: at most `max`, each once. */
export const attachmentIds = (max: number) =>
  z
    .array(Id)
    .max(max, `At most ${max} attachments`)
    .refine((ids) => new Set(ids).size === ids.length, "Attach each file once")
    .default([]);

export const PageInput = z.object({
  cursor: z.string().max(limits.cursor).nullish(),
  limit: z.number().int().min(1).max(limits.pageSize).default(limits.defaultPageSize),
});
export type PageInput = z.infer<typeof PageInput>;

/** `{ items, nextCursor }` list output for an item schema. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A resume cursor for subscriptions: the id of the last event the client saw. */
export const EventId = z
  .string()
  .regex(/^\d{1,20}-\d{1,20}$/, "Not an event id")
  // Both parts are unsigned 64-bit in Redis; a larger one is an error there, not an empty backlog.
  .refine(
    (id) => !/^\d+-\d+$/.test(id) || id.split("-").every((part) => BigInt(part) <= 0xffff_ffff_ffff_ffffn),
    "Not an event id",
  );

/**
 * Sent on a resumable subscription instead of events it can no longer replay (the client's
 * `lastEventId` is older than the backlog still holds, or events were lost in a Redis outage):
 * refetch through the ordinary list procedures, then keep listening. Its id resumes after it.
 */
export const ResyncEvent = z.object({ type: z.literal("resync") });
export type ResyncEvent = z.infer<typeof ResyncEvent>;

export const ServerInfo = z.object({ version: z.string(), time: z.date() });
export type ServerInfo = z.infer<typeof ServerInfo>;
