import superjson from "superjson";

export type Serialized = ReturnType<typeof superjson.serialize>;

/**
 * superjson.serialize, fast, for what answers are made of: plain objects, arrays, strings, finite
 * numbers, booleans, null and valid Dates, each object met once. Its output is exactly
 * superjson's as JSON text (the same `json`, the same `meta.values` paths in the same order,
 * `meta.v`), but its `json` is the value itself, not a copy: JSON.stringify writes a Date with
 * toJSON, i.e. toISOString, the string superjson puts there (answers are not changed after); for
 * anything else (undefined, NaN, -0, bigint, Map, Set, class instances, an object referenced
 * twice, which superjson records as a referential equality, …) it answers null and superjson
 * does the work. superjson walks every value with a copied path array, rules and identity maps:
 * a 20-topic list took 290 µs there, most of the tRPC cost of the answer.
 */
export function fastSerialize(value: unknown): Serialized | null {
  const state: WalkState = { seen: new Set(), annotations: undefined };
  const json = walk(value, state);
  if (json === BAIL) return null;
  if (state.annotations === undefined) return { json: json as Serialized["json"] };
  return { json: json as Serialized["json"], meta: { values: state.annotations as never, v: 1 } };
}

const BAIL = Symbol("not for the fast path");

/** A Date's annotation, or a level's: "escaped.path" → annotation, built as superjson builds it. */
type Annotations = ["Date"] | Record<string, unknown>;

interface WalkState {
  /** Every object met so far: met twice, superjson would record a referential equality. */
  seen: Set<object>;
  /** The annotations of the value just walked (undefined: none), as superjson's walker returns them. */
  annotations: Annotations | undefined;
}

/** superjson's path segment escaping (pathstringifier.js escapeKey). */
const escapeKey = (key: string) =>
  key.includes(".") || key.includes("\\") ? key.replace(/\\/g, "\\\\").replace(/\./g, "\\.") : key;

/**
 * A child's annotations into its parent's, as superjson's walker does: a Date's under its escaped
 * key, a nested level's flattened under "key.path". The parent is a fresh object per level, so
 * JavaScript orders integer-like keys ("0", "12") first there, exactly as it does for superjson.
 */
function annotate(
  parent: Record<string, unknown> | undefined,
  key: string,
  child: Annotations,
): Record<string, unknown> {
  const into = parent ?? {};
  const escaped = escapeKey(key);
  if (Array.isArray(child)) into[escaped] = child;
  else for (const path of Object.keys(child)) into[`${escaped}.${path}`] = child[path];
  return into;
}

function walk(value: unknown, state: WalkState): unknown {
  state.annotations = undefined;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // NaN, ±Infinity and -0 carry a "number" annotation in superjson.
      return Number.isFinite(value) && !Object.is(value, -0) ? value : BAIL;
    case "object":
      break;
    default:
      return BAIL; // undefined, bigint, symbol, function
  }
  if (value === null) return null;
  if (state.seen.has(value)) return BAIL;
  state.seen.add(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.valueOf())) return BAIL;
    state.annotations = ["Date"];
    return value; // JSON.stringify writes it as superjson does: toJSON is toISOString
  }
  let inner: Record<string, unknown> | undefined;
  if (Array.isArray(value)) {
    const length = value.length;
    // Holes or extra properties: superjson walks Object.entries, which differs from the indexes.
    if (Object.keys(value).length !== length) return BAIL;
    for (let i = 0; i < length; i++) {
      if (walk(value[i], state) === BAIL) return BAIL;
      if (state.annotations !== undefined) inner = annotate(inner, String(i), state.annotations);
    }
    state.annotations = inner;
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || value === Object.prototype) return BAIL;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // superjson refuses these (prototype pollution): let it throw its own error.
    if (key === "__proto__" || key === "constructor" || key === "prototype") return BAIL;
    if (walk(record[key], state) === BAIL) return BAIL;
    if (state.annotations !== undefined) inner = annotate(inner, key, state.annotations);
  }
  state.annotations = inner;
  return value;
}

/** superjson.serialize, through the fast path when the value allows it. */
export const serializeValue = (value: unknown): Serialized => fastSerialize(value) ?? superjson.serialize(value);
