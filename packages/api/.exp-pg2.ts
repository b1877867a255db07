import { sql } from "kysely";
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
const db = createDb({ url, poolSize: 1, statementTimeoutMs: 30000 });
const u = await db.selectFrom("users").select("id").executeTakeFirstOrThrow();
const narrow = (userId: string) =>
  db
    .selectFrom("users")
    .innerJoin("organizations as o", "o.id", "users.organizationId")
    .select([
      "users.id",
      "users.email",
      "users.emailVerifiedAt",
      "users.firstName",
      "users.lastName",
      "users.title",
      "users.phone",
      "users.bio",
      "users.avatarFileId",
      "users.locale",
      "users.timezone",
      "users.role",
      "users.isModerator",
      "users.totpEnabledAt",
      "users.createdAt",
      "o.id as orgId",
      "o.name as orgName",
      "o.industry",
      "o.size",
      "o.country",
      "o.city",
      "o.description",
      "o.website",
      "o.logoFileId",
      "o.createdAt as orgCreatedAt",
      "o.updatedAt as orgUpdatedAt",
    ])
    .where("users.id", "=", userId)
    .executeTakeFirstOrThrow();
for (let r = 0; r < 3; r++) {
  await time("SELECT 1", 2000, () => db.selectNoFrom(sql<number>`1`.as("x")).execute());
  await time("findUserAndOrganization", 2000, () => findUserAndOrganization(db, u.id));
  await time("narrow join", 2000, () => narrow(u.id));
  await time("narrow compile only", 2000, async () =>
    db
      .selectFrom("users")
      .innerJoin("organizations as o", "o.id", "users.organizationId")
      .select([
        "users.id",
        "users.email",
        "users.emailVerifiedAt",
        "users.firstName",
        "users.lastName",
        "users.title",
        "users.phone",
        "users.bio",
        "users.avatarFileId",
        "users.locale",
        "users.timezone",
        "users.role",
        "users.isModerator",
        "users.totpEnabledAt",
        "users.createdAt",
        "o.id as orgId",
        "o.name as orgName",
        "o.industry",
        "o.size",
        "o.country",
        "o.city",
        "o.description",
        "o.website",
        "o.logoFileId",
        "o.createdAt as orgCreatedAt",
        "o.updatedAt as orgUpdatedAt",
      ])
      .where("users.id", "=", u.id)
      .compile(),
  );
}
await db.destroy().catch(() => {});

import pg from "pg";

const db2 = createDb({ url, poolSize: 1, statementTimeoutMs: 30000 });
const compiled = db2
  .selectFrom("users")
  .innerJoin("organizations as o", "o.id", "users.organizationId")
  .select(["users.id", "users.email", "users.firstName", "o.id as orgId", "o.name as orgName"])
  .where("users.id", "=", u.id)
  .compile();
const pool = new pg.Pool({ connectionString: url, max: 1 });
const client = await pool.connect();
for (let r = 0; r < 2; r++) {
  await time("raw pg: narrow join SQL", 2000, () => client.query(compiled.sql, compiled.parameters as unknown[]));
  await time("raw pg: narrow join SQL, named (prepared)", 2000, () =>
    client.query({ name: "q1", text: compiled.sql, values: compiled.parameters as unknown[] }),
  );
  await time("raw pg: SELECT 1", 2000, () => client.query("SELECT 1"));
  await time("raw pg: users pk only", 2000, () => client.query("select id, email from users where id = $1", [u.id]));
}
client.release();
await pool.end();
await db2.destroy();
