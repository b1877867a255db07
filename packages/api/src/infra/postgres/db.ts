import { CamelCasePlugin, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Logger } from "../logger";
import { markStore } from "../store-errors";
import type { Database } from "./schema";

export type Db = Kysely<Database>;

const pools = new WeakMap<Db, pg.Pool>();
/** The pg Pool under a Db made by createDb (its connection counts, for the metrics). */
export const poolOf = (db: Db): pg.Pool | undefined => pools.get(db);

/**
 * The SQL texts PostgreSQL keeps prepared on each connection, and their statement names: one set
 * for every pool (every Db compiles the same text for a query, the name is the text's hash).
 */
const preparedNames = new Map<string, string>();

/**
 * Has PostgreSQL prepare this exact SQL once per connection (a named statement) instead of
 * parsing and planning it on every call; for the hottest fixed-shape statements only (see
 * infra/postgres/prepared.ts): every registered text stays prepared on every pooled connection,
 * inside transactions too.
 * Its select list must name its columns (no `*`): a prepared `*` fails once a migration adds one.
 */
export function registerPrepared(sql: string, name: string): void {
  preparedNames.set(sql, name);
}

/**
 * Sends the registered texts as named statements (pg prepares each once on the connection), and
 * drops the connection of a statement that got no answer in time (pg's `query_timeout`): the
 * server is frozen or out of reach, and the connection, still waiting for that answer, is of no
 * use to the next caller; the pool opens a new one.
 */
function wrapQueries(client: pg.PoolClient, names: Map<string, string>): void {
  const query = client.query as (...args: unknown[]) => unknown;
  // Ended before the caller hears of it: the pool then sees it ending when it is released, and
  // drops it (pg's end() cuts a connection whose statement is still unanswered).
  const dropIfUnanswered = (err: unknown) => {
    if ((err as Error | null)?.message === QUERY_READ_TIMEOUT) void client.end().catch(() => {});
    throw err;
  };
  (client as { query: unknown }).query = function (this: pg.PoolClient, ...args: unknown[]) {
    // Kysely calls query(sql, parameters): promise form, no callback.
    const [text, values] = args;
    const name = args.length === 2 && typeof text === "string" && Array.isArray(values) && names.get(text);
    const result = name ? query.call(this, { name, text, values }) : query.apply(this, args);
    return result instanceof Promise ? result.catch(dropIfUnanswered) : result;
  };
}

/** pg's error when a statement got no answer within `query_timeout`. */
const QUERY_READ_TIMEOUT = "Query read timeout";
/** Beyond the server's own limit: a statement still unanswered then never reached a working server. */
const UNANSWERED_AFTER_LIMIT_MS = 5_000;

// int8 (bigint) columns such as counts come back as numbers: our counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface CreateDbOptions {
  url: string;
  poolSize: number;
  /** Where connection errors of idle and checked-out clients are logged (they never crash the process). */
  logger?: Logger;
  /** Server-side limit per statement (the app's pool sets one; tools and seeding scripts need none). */
  statementTimeoutMs?: number;
}

/**
 * A Kysely instance on a pg Pool that survives PostgreSQL going away: a dead connection (idle in
 * the pool or held in a transaction) is logged and dropped instead of emitting an unhandled
 * 'error' that would end the process; a call made while the server is down fails within
 * `connectionTimeoutMillis` (at once when the port refuses), and the pool opens new connections by
 * itself once the server is back.
 */
export function createDb(opts: CreateDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    idleTimeoutMillis: 30_000,
    // Waiting for a connection (a new one, or a free one from a busy pool) fails after this.
    connectionTimeoutMillis: 5_000,
    // Notice a peer that vanished without closing the connection (host down, network cut).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // The server stops a statement after statement_timeout; one that gets no answer at all (a
    // frozen server, a cut network) fails on the client a little later, as a store outage (503).
    ...(opts.statementTimeoutMs
      ? {
          statement_timeout: opts.statementTimeoutMs,
          query_timeout: opts.statementTimeoutMs + UNANSWERED_AFTER_LIMIT_MS,
        }
      : {}),
    // No JIT compilation: our statements are short, and PostgreSQL compiled the ones its cost
    // estimate found big (a search over thousands of candidates) for 80 ms to save a few.
    options: "-c jit=off",
  });
  const logError = (err: Error) =>
    opts.logger?.warn({ store: "postgres", err: err.message }, "postgres connection error");
  // An idle client's connection died (server restart, admin shutdown, network).
  pool.on("error", logError);
  // A checked-out client whose connection dies between queries (e.g. inside a transaction) emits
  // 'error' on itself, where pg-pool listens only while it is idle.
  pool.on("connect", (client) => {
    client.on("error", logError);
    wrapQueries(client, preparedNames);
  });
  // Connect failures are bare socket errors (ECONNREFUSED…): mark them as PostgreSQL's so a 503
  // can name the store.
  const connect = pool.connect.bind(pool) as (cb?: unknown) => Promise<pg.PoolClient> | undefined;
  (pool as { connect: unknown }).connect = (cb?: unknown) =>
    cb ? connect(cb) : (connect() as Promise<pg.PoolClient>).catch((err) => Promise.reject(markStore(err, "postgres")));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  pools.set(db, pool);
  return db;
}
