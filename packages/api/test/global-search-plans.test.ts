/**
 * The queries global search runs (one per type), EXPLAINed at 100k rows of each type: people,
 * organizations, forum topics (with 200k search documents), use cases and tasks. None may scan its
 * table sequentially, except a people search for a common word: its two indexed arms (name, organization
 * name) find thousands of people, whom the planner then joins by scanning users (recorded, not
 * asserted). Set SEARCH_PLANS_OUT=<file> to write the plans' key lines as markdown (for bench/RESULTS.md).
 */
import { writeFileSync } from "node:fs";
import { createDb } from "@p2p/api";
import { createTestStores, type TestStores } from "@p2p/testkit";
import { type CompiledQuery, type KyselyPlugin, type RootOperationNode, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Db } from "../src/infra/postgres/db";
import { bestHitsQuery, forumHitTexts } from "../src/modules/forums/search";
import { listDirectory } from "../src/modules/organizations/repo";
import { searchTasks } from "../src/modules/tasks/repo";
import { type Reader, textMatches } from "../src/modules/useCases/repo";
import { searchPeople } from "../src/modules/users/repo";
import { explainQuery, seqScansOf } from "./plans";

const N = 100_000;
const FETCH = 101;

let stores: TestStores;
let db: Db;
let reader: Reader;
let heavyOwner: string;
const report: string[] = [];

/** Runs `call` on a db that remembers the last query it sent, and answers that query (to EXPLAIN it). */
async function lastQueryOf(call: (db: Db) => Promise<unknown>): Promise<{ compile(): CompiledQuery }> {
  let node: RootOperationNode | undefined;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      node = args.node;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  await call(db.withPlugin(plugin) as Db);
  const last = node as RootOperationNode;
  return { compile: () => db.getExecutor().compileQuery(last, { queryId: "plan" }) };
}

beforeAll(async () => {
  stores = await createTestStores(inject("services"));
  db = createDb({ url: stores.env.DATABASE_URL as string, poolSize: 2 });
  const words = sql`(select array['compressor', 'bearing', 'vibration', 'conveyor', 'welding', 'boiler', 'pump', 'valve',
    'forklift', 'inverter', 'chiller', 'extruder'] w)`;
  await sql`
    insert into organizations (id, name, industry, size, country, city)
    select gen_random_uuid(), 'Org ' || i || ' ' || w[1 + i % 12] || ' works', 'manufacturing', '11-50', 'SA', 'Riyadh'
    from generate_series(1, ${N}) i, ${words} w`.execute(db);
  await sql`
    insert into users (id, organization_id, email, first_name, last_name, title, role)
    select gen_random_uuid(), o.ids[1 + i % 1000], 'p' || i || '@example.com', 'Person' || i,
      'Surname' || (i % 5000), w[1 + i % 12] || ' engineer', 'member'
    from generate_series(1, ${N}) i, ${words} w,
      (select array_agg(id) ids from (select id from organizations order by name limit 1000) x) o`.execute(db);
  await sql`
    insert into forum_topics (id, category_id, author_id, organization_id, visibility, title, tags,
      first_post_id, answered, pinned, reply_count, like_count, view_count, last_activity_at, created_at, updated_at)
    select gen_random_uuid(), c.ids[1 + i % c.n], u.ids[1 + i % 1000], u.orgs[1 + i % 1000],
      case when i % 5 = 0 then 'organization' else 'platform' end,
      'Topic ' || i || ' about ' || w[1 + i % 12] || ' and ' || w[1 + (i / 12) % 12], '{}',
      gen_random_uuid(), false, false, 1, 0, 0, now() - i * interval '1 minute', now() - i * interval '1 minute',
      now() - i * interval '1 minute'
    from generate_series(1, ${N}) i, ${words} w,
      (select array_agg(id order by position) ids, count(*)::int n from forum_categories) c,
      (select array_agg(id) ids, array_agg(organization_id) orgs from (select id, organization_id from users order by email limit 1000) x) u`.execute(
    db,
  );
  await sql`
    insert into forum_search (post_id, topic_id, title, body, created_at, topic_visibility, topic_organization_id)
    select first_post_id, id, title, 'We see ' || split_part(title, ' ', 4) || ' trouble'
      || case when hashtext(id::text) % 1000 = 0 then ' with a cavitation noise' else '' end, created_at,
      visibility, organization_id
    from forum_topics
    union all
    select gen_random_uuid(), id, title, 'Check the ' || split_part(title, ' ', 6) || ' and its seals', last_activity_at,
      visibility, organization_id
    from forum_topics`.execute(db);
  await sql`
    insert into use_cases (id, owner_id, organization_id, status, title, summary, industry, technologies,
      technology_keys, tags, city, country, view_count, search_text, content_rev, published_at, updated_at)
    select gen_random_uuid(), u.ids[1 + i % 1000], u.orgs[1 + i % 1000],
      case when i % 10 = 0 then 'draft' else 'published' end,
      'Use case ' || i || ' on ' || w[1 + i % 12], 'How line ' || i % 40 || ' improved its ' || w[1 + (i / 12) % 12]
        || case when i % 2000 = 0 then ' against cavitation' else '' end,
      'manufacturing', '{}', '{}', '{}', 'Riyadh', 'SA', 0, 'problem and solution', gen_random_uuid(),
      now() - i * interval '1 minute', now() - i * interval '1 minute'
    from generate_series(1, ${N}) i, ${words} w,
      (select array_agg(id) ids, array_agg(organization_id) orgs from (select id, organization_id from users order by email limit 1000) x) u`.execute(
    db,
  );
  // 100k tasks: 10k of one owner, the rest over 900 others.
  await sql`
    insert into tasks (id, owner_id, title, description, priority, tags, created_at, updated_at)
    select gen_random_uuid(), case when i % 10 = 0 then u.ids[1] else u.ids[2 + i % 900] end,
      'Check ' || w[1 + i % 12] || ' ' || i, case when i % 1000 = 0 then 'cavitation seen' end, 1, '{}',
      now() - i * interval '1 minute', now() - i * interval '1 minute'
    from generate_series(1, ${N}) i, ${words} w,
      (select array_agg(id) ids from (select id from users order by email limit 1000) x) u`.execute(db);
  await sql`analyze`.execute(db);
  const user = await db.selectFrom("users").select(["id", "organizationId"]).orderBy("email").executeTakeFirstOrThrow();
  heavyOwner = user.id;
  reader = { userId: user.id, organizationId: user.organizationId, isAdmin: true, isModerator: false };
  report.push(
    "## global search query plans (100k rows per type)",
    "",
    `${N.toLocaleString("en")} organizations, people, forum topics (${(2 * N).toLocaleString("en")} search documents), use cases (10% drafts) and tasks (10k of one owner); ` +
      'each query as search.global runs it (101 rows: the window of 100 and "more"). "bearing": a common word (1 in 12 rows), "cavitation": a rare one.',
    "",
    "| query | plan (key nodes) | ms |",
    "|---|---|---|",
  );
}, 300_000);
afterAll(async () => {
  if (process.env.SEARCH_PLANS_OUT) writeFileSync(process.env.SEARCH_PLANS_OUT, `${report.join("\n")}\n`);
  await db?.destroy();
  await stores?.drop();
});

const cases: [string, string, () => Promise<{ compile(): CompiledQuery }>][] = [
  ["people, common", "users", () => lastQueryOf((d) => searchPeople(d, "bearing", null, FETCH))],
  ["people, rare", "users", () => lastQueryOf((d) => searchPeople(d, "person4242", null, FETCH))],
  ["organizations, common", "organizations", () => lastQueryOf((d) => listDirectory(d, { q: "bearing" }, null, FETCH))],
  ["organizations, rare", "organizations", () => lastQueryOf((d) => listDirectory(d, { q: "org 4242 " }, null, FETCH))],
  ["forum hits, common", "forum_search", async () => bestHitsQuery(db, reader.organizationId, "bearing", FETCH)],
  ["forum hits, rare", "forum_search", async () => bestHitsQuery(db, reader.organizationId, "cavitation", FETCH)],
  [
    "forum texts of a page",
    "forum_search",
    async () => {
      const hits = await bestHitsQuery(db, reader.organizationId, "bearing", 20).execute();
      return lastQueryOf((d) =>
        forumHitTexts(
          { db: d } as never,
          "bearing",
          hits.map((h) => h.postId),
        ),
      );
    },
  ],
  [
    "use cases published, common",
    "use_cases",
    () => lastQueryOf((d) => textMatches(d, reader, "bearing", "published", FETCH)),
  ],
  [
    "use cases published, rare",
    "use_cases",
    () => lastQueryOf((d) => textMatches(d, reader, "cavitation", "published", FETCH)),
  ],
  [
    "use cases drafts (own, org as admin)",
    "use_cases",
    () => lastQueryOf((d) => textMatches(d, reader, "bearing", "draft", FETCH)),
  ],
  ["tasks, common (10k owner)", "tasks", () => lastQueryOf((d) => searchTasks(d, heavyOwner, "bearing", FETCH))],
  ["tasks, rare (10k owner)", "tasks", () => lastQueryOf((d) => searchTasks(d, heavyOwner, "cavitation", FETCH))],
];

/** Recorded, not asserted: a common word's thousands of people, joined by a scan (see the header). */
const knownScans = new Set(["people, common"]);

describe("global search plans at 100k per type", () => {
  it.each(cases)("%s: no sequential scan of %s", async (name, table, build) => {
    const query = await build();
    const plan = await explainQuery(db, query);
    report.push(`| ${name} | ${plan.key} | ${plan.ms.toFixed(1)} |`);
    if (!knownScans.has(name)) expect(seqScansOf(plan, table), plan.key).toBe(0);
  });
});
