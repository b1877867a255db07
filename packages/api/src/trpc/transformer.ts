import superjson from "superjson";
import { type Serialized, serializeValue } from "../infra/serialize";

/** Event payloads delivered to many subscribers of one node (the same object for each of them). */
const shared = new WeakSet<object>();
const serializedOnce = new WeakMap<object, Serialized>();

/**
 * Marks an event payload that many subscriptions send as it is: its superjson form is computed once
 * per node, not once per subscriber (a post reaching 1,000 subscribers was 1,000 walks of the same
 * object, ~35 µs each). The payload must not change afterwards; events never do.
 */
export function sharedPayload<T>(data: T): T {
  if (typeof data === "object" && data !== null) shared.add(data);
  return data;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

const prefixed = (path: string) => `data.${path}`;

/**
 * superjson, except for a tracked subscription event `{ id, data }` whose `data` is a shared
 * payload: then the payload's serialized form is reused and only the envelope is new. The output is
 * exactly what superjson.serialize({ id, data }) gives, so clients see no difference.
 */
function serialize(value: unknown): Serialized {
  if (!isPlainObject(value) || typeof value.id !== "string" || !shared.has(value.data as object)) {
    return serializeValue(value);
  }
  const keys = Object.keys(value);
  if (keys.length !== 2 || !("data" in value)) return serializeValue(value);
  const data = value.data as object;
  let inner = serializedOnce.get(data);
  if (!inner) {
    inner = serializeValue(data);
    serializedOnce.set(data, inner);
  }
  const json = { id: value.id, data: inner.json } as Serialized["json"];
  const meta = inner.meta;
  if (!meta) return { json };
  // Paths inside the payload become paths under `data`. A payload that refers to itself as a whole
  // (superjson's root form, an array) is rare enough to serialize the plain way.
  if (meta.values !== undefined && !isPlainObject(meta.values)) return superjson.serialize(value);
  if (meta.referentialEqualities !== undefined && !isPlainObject(meta.referentialEqualities))
    return superjson.serialize(value);
  const out: NonNullable<Serialized["meta"]> = { ...meta };
  if (meta.values) {
    out.values = Object.fromEntries(Object.entries(meta.values).map(([path, type]) => [prefixed(path), type]));
  }
  if (meta.referentialEqualities) {
    out.referentialEqualities = Object.fromEntries(
      Object.entries(meta.referentialEqualities as Record<string, string[]>).map(([path, same]) => [
        prefixed(path),
        same.map(prefixed),
      ]),
    );
  }
  return { json, meta: out };
}

/** The router's transformer: superjson on the wire, with shared subscription payloads serialized once. */
export const wireTransformer = {
  serialize,
  deserialize: <T>(payload: Serialized): T => superjson.deserialize<T>(payload),
};
