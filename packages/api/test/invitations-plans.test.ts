/**
 * invitations.list EXPLAINed at 100k invitations of 200 organizations, 20k of them in one busy
 * organization: a page, first or from a cursor, is one range of invitations_org_page read in the
 * list's order, never a scan of the table or a sort of the organization's invitations.
 */
import { createDb } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Db } from "../src/infra/postgres/db";
import { listRecentQuery } from "../src/modules/invitations/repo";
import { explainQuery, seqScansOf } from "./plans";

const ORGS = 200;
const INVITATIONS = 100_000;
const BUSY = 20_000;

let stores: TestStores;
let db: Db;
let busy: string;

beforeAll(async () => {
  stores = await createTestStores(inject("services"));
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 2 });
  await sql`
    insert into organizations (id, name, industry, size, country, city)
    select gen_random_uuid(), 'Invite org ' || lpad(i::text, 3, '0'), 'manufacturing', '11-50', 'SA', 'Riyadh'
    from generate_series(1, ${ORGS}) i`.execute(db);
  await sql`
    insert into users (id, organization_id, email, first_name, last_name, role)
    select gen_random_uuid(), id, 'admin-' || id || '@example.com', 'Org', 'Admin', 'admin' from organizations`.execute(
    db,
  );
  // The busy organization (the first by name) gets BUSY invitations, the others share the rest;
  // three to a second, so the id breaks ties.
  await sql`
    insert into invitations (id, organization_id, email, role, token_hash, invited_by, expires_at, created_at)
    select gen_random_uuid(), u.organization_id, 'i' || i || '@example.com', 'member', md5(i::text), u.id,
      now() + interval '7 days', now() - (i / 3) * interval '1 second'
    from generate_series(1, ${INVITATIONS}) i
    join (select row_number() over (order by o.name) - 1 n, u.id, u.organization_id
          from users u join organizations o on o.id = u.organization_id) u
      on u.n = case when i <= ${BUSY} then 0 else 1 + i % (${ORGS} - 1) end`.execute(db);
  await sql`analyze`.execute(db);
  busy = (await db.selectFrom("organizations").select("id").orderBy("name").executeTakeFirstOrThrow()).id;
}, 180_000);
afterAll(async () => {
  await db?.destroy();
  await stores?.drop();
});

describe("invitations.list query plan at 100k invitations", () => {
  it("reads a page, first or from a cursor, as one range of invitations_org_page in list order", async () => {
    const middle = (await listRecentQuery(db, busy, null, BUSY / 2).execute()).at(-1);
    if (!middle) throw new Error("the busy organization has no invitations");
    for (const after of [null, [middle.createdAt.toISOString(), middle.id] as const]) {
      const plan = await explainQuery(db, listRecentQuery(db, busy, after, 21));
      expect(seqScansOf(plan, "invitations"), plan.key).toBe(0);
      expect(plan.key).toBe("Index Scan invitations_org_page (21 rows)");
    }
  });
});
