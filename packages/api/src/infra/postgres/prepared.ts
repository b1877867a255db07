import { createHash } from "node:crypto";
import type { Compilable, CompiledQuery } from "kysely";
import { type Db, registerPrepared } from "./db";

/** A parameter's stand-in while the query is compiled once. */
const MARKER = "\u0000p2p-param-";
const marker = (key: string | number) => `${MARKER}${key}`;

interface Compiled<R> {
  query: CompiledQuery<R>;
  /** Which argument each parameter is (null: a constant of the query itself). */
  slots: (string | null)[];
}

/**
 * Compiles `build` with stand-ins for the arguments `keys`; each must become a query parameter as
 * it is (not transformed, not spliced into the SQL), which is checked here.
 */
function compileWithStandIns<R>(name: string, keys: readonly string[], build: (standIns: string[]) => Compilable<R>) {
  const query = build(keys.map(marker)).compile();
  const slots = query.parameters.map((p) =>
    typeof p === "string" && p.startsWith(MARKER) ? p.slice(MARKER.length) : null,
  );
  if (query.sql.includes("\u0000") || slots.some((slot) => slot !== null && !keys.includes(slot))) {
    throw new Error(`query ${name}: every argument must be a plain query parameter`);
  }
  return { query, slots };
}

/** A prepared statement's name: every Db of ours compiles the same text, named by its hash. */
const preparedName = (name: string, sql: string) =>
  `p2p_${name}_${createHash("sha256").update(sql).digest("hex").slice(0, 12)}`;

/** The compiled query with these arguments' values in place of their stand-ins. */
const withValues = <R>({ query, slots }: Compiled<R>, argument: (slot: string) => unknown): CompiledQuery<R> => ({
  ...query,
  parameters: slots.map((slot, i) => (slot === null ? query.parameters[i] : argument(slot))),
});

/**
 * A statement of fixed shape (its SQL does not depend on the values), for the hottest paths: Kysely
 * builds and compiles it once per process instead of on every call (every Db of ours compiles the
 * same text: one dialect, one plugin set), and PostgreSQL prepares it once per connection (a named
 * statement) instead of parsing and planning it every time, in a transaction too. For the session
 * view read on every `auth.me`, planning was three times the execution; compiling a small query
 * costs Kysely 30–90 µs.
 *
 * `build` receives stand-ins for its arguments; each must become a query parameter as it is, which
 * the first call checks. A list goes in as one array parameter (`= any(${ids}::uuid[])`), so the
 * shape stays the same for any length.
 */
export function preparedQuery<A extends unknown[], R>(
  name: string,
  build: (db: Db, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  let compiled: Compiled<R> | undefined;
  const compile = (db: Db, arity: number) => {
    const keys = Array.from({ length: arity }, (_, i) => String(i));
    const done = compileWithStandIns(name, keys, (standIns) => build(db, ...(standIns as A)));
    if (new Set(done.slots.filter((s) => s !== null)).size !== arity) {
      throw new Error(`preparedQuery ${name}: every argument must be a query parameter`);
    }
    registerPrepared(done.query.sql, preparedName(name, done.query.sql));
    return done;
  };
  return async (db, ...args) => {
    compiled ??= compile(db, args.length);
    const result = await db.executeQuery<R>(withValues(compiled, (slot) => args[Number(slot)]));
    return result.rows;
  };
}

/**
 * A statement whose SQL depends on a few choices (`shape`: a search's sort, its filters, its
 * language) but not on the values (`params`): Kysely builds and compiles each shape once per
 * process, as for preparedQuery (building and compiling a search was a tenth of the server's time
 * for it). Not prepared in PostgreSQL unless `prepared` says so: by default each execution is
 * planned for its values, as a search's best plan depends on how common its words are. `build`
 * receives stand-ins for `params`; those it uses must become query parameters as they are.
 */
export function queryShapes<S extends Record<string, string | number | boolean>, P extends Record<string, unknown>, R>(
  name: string,
  build: (db: Db, shape: S, params: P) => Compilable<R>,
  options: { prepared?: boolean } = {},
): (db: Db, shape: S, params: P) => Promise<R[]> {
  const shapes = new Map<string, Compiled<R>>();
  return async (db, shape, params) => {
    const key = JSON.stringify(shape);
    let compiled = shapes.get(key);
    if (!compiled) {
      const keys = Object.keys(params);
      compiled = compileWithStandIns(name, keys, (standIns) =>
        build(db, shape, Object.fromEntries(keys.map((k, i) => [k, standIns[i]])) as P),
      );
      if (options.prepared) registerPrepared(compiled.query.sql, preparedName(name, compiled.query.sql));
      shapes.set(key, compiled);
    }
    const result = await db.executeQuery<R>(withValues(compiled, (slot) => params[slot]));
    return result.rows;
  };
}
