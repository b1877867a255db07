import { createHash } from "node:crypto";
import type { Compilable, CompiledQuery } from "kysely";
import { type Db, registerPrepared } from "./db";

/** A parameter's stand-in while the query is compiled once. */
const MARKER = "\u0000p2p-param-";
const marker = (index: number) => `${MARKER}${index}`;

/**
 * A statement of fixed shape (its SQL does not depend on the values), for the hottest paths: Kysely
 * builds and compiles it once per process instead of on every call (every Db of ours compiles the
 * same text: one dialect, one plugin set), and PostgreSQL prepares it once per connection (a named
 * statement) instead of parsing and planning it every time, in a transaction too. For the session
 * view read on every `auth.me`, planning was three times the execution; compiling a small query
 * costs Kysely 30–90 µs.
 *
 * `build` receives stand-ins for its arguments; each must become a query parameter as it is (not
 * transformed, not spliced into the SQL), which the first call checks. A list goes in as one array
 * parameter (`= any(${ids}::uuid[])`), so the shape stays the same for any length.
 */
export function preparedQuery<A extends unknown[], R>(
  name: string,
  build: (db: Db, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  let compiled: { query: CompiledQuery<R>; slots: (number | null)[] } | undefined;
  const compile = (db: Db, arity: number) => {
    const markers = Array.from({ length: arity }, (_, i) => marker(i)) as A;
    const query = build(db, ...markers).compile();
    // Which argument each parameter is (null: a constant of the query itself).
    const slots = query.parameters.map((p) =>
      typeof p === "string" && p.startsWith(MARKER) ? Number(p.slice(MARKER.length)) : null,
    );
    const used = new Set(slots.filter((s) => s !== null));
    if (used.size !== arity || query.sql.includes("\u0000")) {
      throw new Error(`preparedQuery ${name}: every argument must be a plain query parameter`);
    }
    const hash = createHash("sha256").update(query.sql).digest("hex").slice(0, 12);
    registerPrepared(query.sql, `p2p_${name}_${hash}`);
    return { query, slots };
  };
  return async (db, ...args) => {
    compiled ??= compile(db, args.length);
    const { query, slots } = compiled;
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : args[slot]));
    const result = await db.executeQuery<R>({ ...query, parameters });
    return result.rows;
  };
}
