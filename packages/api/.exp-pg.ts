import { CamelCasePlugin, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { createDb } from "./src/index";
import { findUserAndOrganization } from "./src/modules/users/repo";

const url = process.env.DATABASE_URL!;
async function time(name: string, n: number, f: () => Promise<unknown>) {
  for (let i = 0; i < 100; i++) await f();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(44)} ${((cpu.user + cpu.system) / n).toFixed(1).padStart(8)} µs CPU  ${((ms * 1000) / n).toFixed(1).padStart(8)} µs wall`,
  );
}
const pool = new pg.Pool({ connectionString: url, max: 1 });
const client = await pool.connect();
await time("raw pg client: SELECT 1", 2000, () => client.query("SELECT 1"));
await time("raw pg client: SELECT $1 (extended)", 2000, () => client.query("SELECT $1::int as x", [1]));
client.release();
await time("raw pg pool.query: SELECT $1", 2000, () => pool.query("SELECT $1::int as x", [1]));
const plain = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
await time("kysely (no plugin) selectNoFrom", 2000, () => plain.selectNoFrom(sql<number>`1`.as("x")).execute());
const camel = new Kysely<any>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
await time("kysely camelCase selectNoFrom", 2000, () => camel.selectNoFrom(sql<number>`1`.as("x")).execute());
const db = createDb({ url, poolSize: 1, statementTimeoutMs: 30000 });
await time("createDb selectNoFrom", 2000, () => db.selectNoFrom(sql<number>`1`.as("x")).execute());
const u = await db.selectFrom("users").select("id").executeTakeFirstOrThrow();
await time("findUserAndOrganization", 2000, () => findUserAndOrganization(db, u.id));
await db.destroy();
await pool.end();
