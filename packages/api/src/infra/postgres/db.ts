import { CamelCasePlugin, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Logger } from "../logger";
import type { Database } from "./schema";

export type Db = Kysely<Database>;

// int8 (bigint) columns such as counts come back as numbers: our counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function createDb(opts: { url: string; poolSize: number; logger?: Pick<Logger, "warn"> }): Db {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize, idleTimeoutMillis: 30_000 });
  // An idle client's error (PostgreSQL restarting, or terminating connections to a database being
  // dropped while the pool ends) is emitted on the pool; without a listener it would be an uncaught
  // exception that ends the process. The pool has already dropped that client.
  pool.on("error", (err) => opts.logger?.warn({ err }, "postgres: idle client error"));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}
