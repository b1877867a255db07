import pg from "pg";
import { createDb } from "./src/index";
import * as repo from "./src/modules/forums/repo";
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
    `${name.padEnd(50)} ${((cpu.user + cpu.system) / n).toFixed(1).padStart(8)} µs CPU  ${((ms * 1000) / n).toFixed(1).padStart(8)} µs wall`,
  );
}
const db = createDb({ url, poolSize: 1, statementTimeoutMs: 30000 });
const u = await db
  .selectFrom("users")
  .innerJoin("organizations", "organizations.id", "users.organizationId")
  .select(["users.id", "users.organizationId"])
  .where("organizations.name", "=", "Bench HTTP Org")
  .orderBy("users.createdAt", "desc")
  .executeTakeFirstOrThrow();
const build = () =>
  db
    .selectFrom("users")
    .innerJoin("organizations as o", "o.id", "users.organizationId")
    .selectAll("users")
    .select((eb) => eb.fn.toJson("o").as("organization"))
    .where("users.id", "=", u.id);
const compiled = build().compile();
const input = { limit: 20, sort: "latest" as const };
const tq = () => repo.listTopicsQuery(db, u.organizationId, input, null);
const tcompiled = tq().compile();
const pool = new pg.Pool({ connectionString: url, max: 1 });
const client = await pool.connect();
for (let r = 0; r < 2; r++) {
  console.log("-- auth.me query");
  await time("raw pg client.query(sql)", 1000, () => client.query(compiled.sql, compiled.parameters as unknown[]));
  await time("kysely db.executeQuery(compiled)", 1000, () => db.executeQuery(compiled));
  await time("kysely builder.execute()", 1000, () => build().execute());
  await time("findUserAndOrganization", 1000, () => findUserAndOrganization(db, u.id));
  console.log("-- listTopics query");
  await time("raw pg client.query(sql)", 500, () => client.query(tcompiled.sql, tcompiled.parameters as unknown[]));
  await time("kysely db.executeQuery(compiled)", 500, () => db.executeQuery(tcompiled));
  await time("kysely builder.execute()", 500, () => tq().execute());
  await time("kysely compile only", 500, async () => tq().compile());
}
client.release();
await pool.end();
await db.destroy();
