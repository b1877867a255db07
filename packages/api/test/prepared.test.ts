import { createDb } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Db } from "../src/infra/postgres/db";
import { preparedQuery } from "../src/infra/postgres/prepared";
import { findUserAndOrganization } from "../src/modules/users/repo";

/** infra/postgres/prepared.ts: compiled once, prepared by PostgreSQL once per connection. */
let stores: TestStores;
let db: Db;

beforeAll(async () => {
  stores = await createTestStores(inject("services"));
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 1 });
  await db
    .insertInto("organizations")
    .values({
      id: "0190f0f0-0000-7000-8000-000000000001",
      name: "Prep Org",
      industry: "x",
      size: "1-10",
      country: "SA",
      city: "Riyadh",
    })
    .execute();
  await db
    .insertInto("users")
    .values({
      id: "0190f0f0-0000-7000-8000-000000000002",
      organizationId: "0190f0f0-0000-7000-8000-000000000001",
      email: "prep@example.com",
      passwordHash: "not a hash",
      firstName: "Pre",
      lastName: "Pared",
      role: "admin",
    })
    .execute();
});
afterAll(async () => {
  await db?.destroy();
  await stores?.drop();
});

const orgName = preparedQuery("test_org_name", (d, id: string, minSize: string) =>
  d.selectFrom("organizations").select(["name", "size"]).where("id", "=", id).where("size", ">=", minSize),
);

describe("prepared queries", () => {
  it("answer like the query they were built from, with each call's values", async () => {
    expect(await orgName(db, "0190f0f0-0000-7000-8000-000000000001", "0")).toEqual([
      { name: "Prep Org", size: "1-10" },
    ]);
    expect(await orgName(db, "0190f0f0-0000-7000-8000-000000000001", "9")).toEqual([]);
    expect(await orgName(db, "0190f0f0-0000-7000-8000-000000000009", "0")).toEqual([]);
  });

  it("are prepared once on the connection (a named statement)", async () => {
    await findUserAndOrganization(db, "0190f0f0-0000-7000-8000-000000000002");
    await findUserAndOrganization(db, "0190f0f0-0000-7000-8000-000000000002");
    // One connection in this pool: the statements it prepared are visible to it.
    const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(db);
    expect(
      rows
        .map((r) => r.name)
        .filter((n) => n.startsWith("p2p_"))
        .sort(),
    ).toEqual([
      expect.stringMatching(/^p2p_session_view_[0-9a-f]{12}$/),
      expect.stringMatching(/^p2p_test_org_name_[0-9a-f]{12}$/),
    ]);
  });

  it("read the session view without the password hash or the TOTP secret", async () => {
    const view = await findUserAndOrganization(db, "0190f0f0-0000-7000-8000-000000000002");
    expect(view.user).toMatchObject({ email: "prep@example.com", firstName: "Pre", role: "admin" });
    expect(view.user).not.toHaveProperty("passwordHash");
    expect(view.user).not.toHaveProperty("totpSecret");
    expect(view.organization).toMatchObject({ name: "Prep Org", size: "1-10" });
    expect(view.organization.createdAt).toBeInstanceOf(Date);
  });

  it("refuse a query whose SQL would depend on the values", async () => {
    const spliced = preparedQuery("test_spliced", (d, name: string) =>
      d
        .selectFrom("organizations")
        .select("id")
        .where(sql.raw<boolean>(`name = '${name}'`)),
    );
    await expect(spliced(db, "x")).rejects.toThrow(/every argument must be a plain query parameter/);
  });
});

describe("connection settings", () => {
  it("never JIT-compiles a statement (short statements paid 80 ms of compiling for big cost estimates)", async () => {
    const { rows } = await sql<{ jit: string }>`show jit`.execute(db);
    expect(rows[0]?.jit).toBe("off");
  });
});
