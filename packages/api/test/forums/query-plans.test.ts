/**
 * The forum's list and search queries, EXPLAINed on 100k topics: every sort and filter must be
 * served by an index (no sequential scan of forum_topics), search by the GIN index.
 * Set FORUM_PLANS_OUT=<file> to write the plans' key lines as markdown (for bench/RESULTS.md).
 */
import { writeFileSync } from "node:fs";
import { createDb } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Db } from "../../src/infra/postgres/db";
import { listTopicsQuery, sortKeyOf } from "../../src/modules/forums/repo";
import { searchQuery } from "../../src/modules/forums/search";
import { explainQuery, seqScansOf } from "../plans";

const TOPICS = 100_000;
const USERS = 200;
const ORGS = 20;

let stores: TestStores;
let db: Db;
let ids: { orgs: string[]; users: string[]; categories: string[] };
const report: string[] = [];

beforeAll(async () => {
  stores = await createTestStores(inject("services"));
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 2 });
  const started = Date.now();
  await sql`
    insert into organizations (id, name, industry, size, country, city)
    select gen_random_uuid(), 'Plan org ' || i, 'manufacturing', '11-50', 'SA', 'Riyadh'
    from generate_series(1, ${ORGS}) i`.execute(db);
  await sql`
    insert into users (id, organization_id, email, first_name, last_name, role)
    select gen_random_uuid(), o.ids[1 + i % ${ORGS}], 'plan' || i || '@example.com', 'Plan', 'User ' || i, 'member'
    from generate_series(1, ${USERS}) i, (select array_agg(id order by name) ids from organizations) o`.execute(db);
  // 100k topics in one statement: categories, authors (and so organizations), tags, flags and
  // counters spread by the row number; every 5th topic organization-only, 1% deleted, 50 pinned.
  await sql`
    insert into forum_topics (id, category_id, author_id, organization_id, visibility, title, tags,
      first_post_id, best_post_id, answered, pinned, reply_count, like_count, view_count,
      last_activity_at, created_at, updated_at, deleted_at)
    select gen_random_uuid(), c.ids[1 + i % c.n], u.ids[1 + i % u.n], u.orgs[1 + i % u.n],
      case when i % 5 = 0 then 'organization' else 'platform' end,
      'Topic ' || i || ' about ' || w.words[1 + i % 12] || ' and ' || w.words[1 + (i / 12) % 12],
      case when i % 10 = 0 then array['t' || i % 100, 'common'] else array['t' || i % 100] end,
      gen_random_uuid(), case when i % 3 = 0 then gen_random_uuid() end, i % 3 = 0, i % 2000 = 0,
      (i * 7) % 40, (i * 13) % 60, (i * 17) % 500,
      now() - (i * interval '1 minute') + ((i * 31) % 5000) * interval '1 minute',
      now() - (i * interval '1 minute'), now() - (i * interval '1 minute'),
      case when i % 100 = 0 then now() end
    from generate_series(1, ${TOPICS}) i,
      (select array_agg(id order by position) ids, count(*)::int n from forum_categories) c,
      (select array_agg(id order by email) ids, array_agg(organization_id order by email) orgs, count(*)::int n
         from users) u,
      (select array['compressor', 'bearing', 'vibration', 'conveyor', 'welding', 'boiler', 'pump', 'valve',
         'forklift', 'inverter', 'chiller', 'extruder'] words) w`.execute(db);
  // Search documents: each topic's first post plus one reply. Word frequencies: "cavitation" in
  // 0.05% of the posts, "gearbox" 1%, "bearing" 16% (one of 12 title words), "seals" 50%.
  // (A deleted topic has no search rows: its deletion removes them.)
  await sql`
    insert into forum_search (post_id, topic_id, title, body, created_at, topic_visibility, topic_organization_id)
    select first_post_id, id, title,
      'We see ' || split_part(title, ' ', 4) || ' trouble on line ' || (created_at::date - date '2020-01-01') % 9
        || case when hashtext(id::text) % 1000 = 0 then ' with a cavitation noise' else '' end
        || case when hashtext(id::text) % 50 = 1 then ' near the gearbox' else '' end, created_at,
      visibility, organization_id
    from forum_topics where deleted_at is null
    union all
    select gen_random_uuid(), id, title, 'Check the ' || split_part(title, ' ', 6) || ' and its seals', last_activity_at,
      visibility, organization_id
    from forum_topics where deleted_at is null`.execute(db);
  await sql`analyze`.execute(db);
  const [orgs, users, categories] = await Promise.all([
    db.selectFrom("organizations").select("id").orderBy("name").execute(),
    db.selectFrom("users").select("id").orderBy("email").execute(),
    db.selectFrom("forumCategories").select("id").orderBy("position").execute(),
  ]);
  ids = { orgs: orgs.map((r) => r.id), users: users.map((r) => r.id), categories: categories.map((r) => r.id) };
  report.push(
    "## forum query plans (100k topics)",
    "",
    `${TOPICS.toLocaleString("en")} topics (${ORGS} organizations, ${USERS} authors, 7 categories, 100 tags, ` +
      `every 5th organization-only, 1% deleted, a third answered), ${(2 * TOPICS) / 1000}k search documents; ` +
      `loaded with generate_series and ANALYZEd in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
      "EXPLAIN (ANALYZE) of the SQL the repository builds, first page of 20 (and a second page via the keyset cursor); " +
      "PostgreSQL 15, generated by packages/api/test/forums/query-plans.test.ts.",
    "",
    "| query | plan (key nodes) | ms |",
    "|---|---|---|",
  );
}, 180_000);

afterAll(async () => {
  await db?.destroy();
  await stores?.drop();
  if (process.env.FORUM_PLANS_OUT) writeFileSync(process.env.FORUM_PLANS_OUT, `${report.join("\n")}\n`);
});

describe("forum query plans on 100k topics", () => {
  const sorts = ["latest", "active", "top", "unanswered"] as const;
  const filters = {
    none: () => ({}),
    categoryId: () => ({ categoryId: ids.categories[2] }),
    tag: () => ({ tag: "t42" }),
    "tag (common)": () => ({ tag: "common" }),
    authorId: () => ({ authorId: ids.users[7] }),
    organizationId: () => ({ organizationId: ids.orgs[3] }),
    "answered=true": () => ({ answered: true }),
    "answered=false": () => ({ answered: false }),
  } as const;

  for (const sort of sorts) {
    for (const [name, filter] of Object.entries(filters)) {
      it(`listTopics sort=${sort} filter=${name}: no sequential scan of forum_topics`, async () => {
        const viewerOrg = ids.orgs[1] as string;
        const input = { sort, limit: 20, ...filter() };
        const first = listTopicsQuery(db, viewerOrg, input, null, 21);
        const rows = await first.execute();
        expect(rows.length).toBeGreaterThan(0);
        const plan = await explainQuery(db, first);
        expect(seqScansOf(plan, "forum_topics"), plan.key).toBe(0);
        report.push(`| listTopics ${sort}, ${name} | ${plan.key} | ${plan.ms.toFixed(2)} |`);

        // The next page continues from the last row's sort key: still an index range, not a scan.
        const last = rows.at(Math.min(rows.length, 20) - 1) as (typeof rows)[number];
        const next = listTopicsQuery(db, viewerOrg, input, sortKeyOf(last, sort), 21);
        const nextPlan = await explainQuery(db, next);
        expect(seqScansOf(nextPlan, "forum_topics"), nextPlan.key).toBe(0);
        if (name === "none")
          report.push(`| listTopics ${sort}, page 2 | ${nextPlan.key} | ${nextPlan.ms.toFixed(2)} |`);
      });
    }
  }

  // Selective queries come from the GIN index; rare ones look their few topics up by id (from ~1%
  // of the posts on, the planner prefers one pass over the topics to a thousand lookups). A word in
  // a sixth of all posts is read by a sequential scan (cheaper than the index at that share), but
  // the snippets still only read the page's rows.
  const searches = [
    { name: "rare word", q: "cavitation", selective: true, rare: true },
    { name: "rare word, category", q: "cavitation", category: true, selective: true, rare: true },
    { name: "1% word", q: "gearbox", selective: true },
    { name: "1% word and 50% word", q: "gearbox trouble", selective: true },
    { name: "16% word", q: "bearing", selective: false },
  ];
  for (const { name, q, category, selective, rare } of searches) {
    for (const sort of ["relevance", "latest"] as const) {
      it(`search ${name} sort=${sort}: ${selective ? "the GIN index finds the documents" : "snippets for the page only"}`, async () => {
        const categoryId = category ? ids.categories[3] : undefined;
        const query = searchQuery(
          db,
          ids.orgs[1] as string,
          { q, sort, limit: 20, ...(categoryId ? { categoryId } : {}) },
          { offset: 0, after: null },
        );
        expect((await query.execute()).length).toBeGreaterThan(0);
        const plan = await explainQuery(db, query);
        const uses = (index: string) => plan.nodes.some((n) => n["Index Name"] === index);
        if (selective) {
          expect(uses("forum_search_document"), plan.key).toBe(true);
          expect(seqScansOf(plan, "forum_search"), plan.key).toBe(0);
          if (rare) expect(seqScansOf(plan, "forum_topics"), plan.key).toBe(0);
        } else {
          expect(seqScansOf(plan, "forum_search"), plan.key).toBeLessThanOrEqual(1);
        }
        // The page's bodies are read by primary key, never by joining every document.
        expect(uses("forum_search_pkey"), plan.key).toBe(true);
        report.push(
          `| search "${q}"${categoryId ? " + category" : ""}, ${sort} | ${plan.key} | ${plan.ms.toFixed(2)} |`,
        );
      });
    }
  }
});
