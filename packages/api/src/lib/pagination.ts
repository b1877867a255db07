import { instantRange } from "@p2p/schemas";
import { z } from "zod";
import { fieldError } from "./errors";

/**
 * Keyset pagination shared by every list. A cursor is the sort key of the last item of a page,
 * as base64url JSON: opaque to clients, stable while rows are inserted, and an index range scan.
 */
export const encodeCursor = (key: readonly unknown[]): string => Buffer.from(JSON.stringify(key)).toString("base64url");

/** The sort key inside a cursor, checked against `shape` so a forged cursor is a BAD_REQUEST, not a SQL error. */
export function decodeCursor<T extends z.ZodType>(cursor: string | null | undefined, shape: T): z.infer<T> | null {
  if (!cursor) return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    // Falls through to the field error below.
  }
  const parsed = shape.safeParse(key);
  // PostgreSQL text cannot hold NUL: a cursor string with one was not made by the server.
  if (!parsed.success || holdsNul(parsed.data)) throw fieldError("cursor", "Invalid cursor");
  return parsed.data;
}

const holdsNul = (value: unknown): boolean =>
  typeof value === "string" ? value.includes("\u0000") : Array.isArray(value) && value.some(holdsNul);

/**
 * A cursor of a list sorted by a key then the row's id: `[key, id]`, the key's shape checked by
 * `key` (one per sort: a forged key of the wrong type would reach SQL as a cast error, a 500).
 */
export const keyCursor = <K extends z.ZodType>(key: K) => z.tuple([key, z.uuid()]);

/** Sort keys as cursors carry them. */
export const cursorKeys = {
  /** A point in time, as toISOString writes it, within the years every store holds. */
  instant: z.iso.datetime({ offset: true }).refine((value) => {
    const at = Date.parse(value);
    return at >= instantRange.min.getTime() && at <= instantRange.max.getTime();
  }),
  /** A count (views, likes). */
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** A finite number (a distance, a score). */
  number: z.number().finite(),
};

/** Repositories fetch `limit + 1` rows: the extra row only says whether there is a next page. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => readonly unknown[],
  toItem: (row: Row) => Item,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(toItem), nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** A case-insensitive "contains" pattern for LIKE, with the user's own wildcards taken literally. */
export const containsPattern = (q: string) => `%${likeLiteral(q)}%`;

/** A case-insensitive "starts with" pattern for LIKE, likewise. */
export const prefixPattern = (q: string) => `${likeLiteral(q)}%`;

const likeLiteral = (q: string) => q.toLowerCase().replace(/[\\%_]/g, "\\$&");
