/**
 * What global search needs at scale for bench/global-search.ts, added by SQL (as
 * packages/api/test/global-search-plans.test.ts seeds its 100k rows per type) on top of the use-cases
 * bench's data (bench/use-cases-seed.ts: 100,000 use cases, 50 organizations of 10 users) in its
 * database: people up to 100,000 (named from 40 first names and 50 family names, with job titles),
 * 100,000 forum topics with two search documents each (the opening post and a reply; a fifth in
 * Arabic, a fifth visible to their organization only) and 10,000 tasks of one user (the admin of
 * the first organization). Seeded once; a marker row says it is complete, so later runs reuse it.
 */
import type { createDb } from "@p2p/api";
import { sql } from "kysely";
import { markSeeded, withoutIndexes } from "./search-seed";
import { UC_SEED } from "./use-cases-seed";

type Db = ReturnType<typeof createDb>;

export const GS_SEED = { version: "global-search-v1", people: 100_000, topics: 100_000, tasks: 10_000 };

export const FIRST_NAMES =
  `Mohammed|Ahmed|Abdullah|Khalid|Omar|Ali|Faisal|Saud|Fahad|Sultan|Nasser|Turki|Yousef|Ibrahim|
Hassan|Majed|Bandar|Nawaf|Waleed|Tariq|Fatima|Noura|Sara|Aisha|Maryam|Reem|Hessa|Lama|Dana|Amal|Hind|Latifa|Nada|
Ghada|Rania|Layla|Mona|Huda|Asma|Khadija`
    .split("|")
    .map((s) => s.trim());
export const FAMILY_NAMES =
  `Alharbi|Alqahtani|Alotaibi|Alghamdi|Alzahrani|Aldosari|Alshehri|Almutairi|Alanazi|Alshammari|
Alsubaie|Aljohani|Alrashidi|Alomari|Almalki|Alasmari|Alyami|Alshahrani|Albalawi|Alhazmi|Alenezi|Alsaadi|Alkhaldi|
Alhajri|Almarri|Alkaabi|Alnuaimi|Alsuwaidi|Almansoori|Albloushi|Alhashimi|Alamri|Alqurashi|Alsaeed|Alfaraj|Alnasser|
Alturki|Alrajhi|Alsheikh|Alfadhel|Albassam|Alkhamis|Aljaber|Almousa|Alnaimi|Alhamad|Alsalem|Aldossary|Alyousef|Alwabel`
    .split("|")
    .map((s) => s.trim());
/** The common word: in an eighth of the English forum titles and tasks, and a twelfth of job titles. */
export const COMMON_WORD = "maintenance";
/** The rare word: in one forum opening post in 1,000 and one task in 1,000 (and 0.1% of use cases' tags). */
export const RARE_WORD = "cavitation";

const words = sql`(select array['compressor', 'bearing', 'vibration', 'conveyor', 'welding', 'boiler', 'pump', 'valve',
  'forklift', 'inverter', 'chiller', 'extruder'] w,
  array['maintenance schedule', 'failure', 'upgrade', 'inspection', 'calibration', 'noise', 'leak', 'retrofit'] k,
  array['الصيانة الدورية للمضخات', 'الضواغط والتبريد', 'السلامة في المصنع', 'كفاءة الطاقة', 'فحص الجودة'] a,
  array['Maintenance engineer', 'Plant manager', 'Process engineer', 'Reliability engineer', 'Operator', 'HSE officer',
    'Electrical technician', 'Quality inspector', 'Procurement lead', 'Data analyst', 'Automation engineer',
    'Energy manager'] t) x`;

/** Whether the seed is complete (its marker, and the rows: a use-cases reseed truncates them). */
export async function isGlobalSeeded(db: Db): Promise<boolean> {
  const r = await sql<{ marked: boolean; topics: boolean }>`
    select exists (select 1 from bench_seed where version = ${GS_SEED.version}) marked,
      exists (select 1 from forum_topics) topics`.execute(db);
  return !!(r.rows[0]?.marked && r.rows[0]?.topics);
}

/** The tasks' owner: the first organization's admin (bench/use-cases.ts's first client). */
export const tasksOwnerEmail = "uc.bench.0.0@example.com";

export async function seedGlobalSearch(db: Db): Promise<void> {
  const started = Date.now();
  await sql`delete from bench_seed where version = ${GS_SEED.version}`.execute(db);
  await sql`truncate forum_search, forum_post_likes, forum_topic_views, forum_topics, tasks cascade`.execute(db);
  await sql`delete from users where email like 'gs.bench.%'`.execute(db);
  const have = Number(
    (await sql<{ n: string }>`select count(*) n from users`.execute(db)).rows[0]?.n ??
      UC_SEED.orgs * UC_SEED.usersPerOrg,
  );
  const add = GS_SEED.people - have;
  await sql`
    insert into users (id, organization_id, email, email_verified_at, first_name, last_name, title, role)
    select gen_random_uuid(), o.ids[1 + i % o.n], 'gs.bench.' || i || '@example.com', now(),
      (${FIRST_NAMES}::text[])[1 + i % ${FIRST_NAMES.length}],
      (${FAMILY_NAMES}::text[])[1 + (i / ${FIRST_NAMES.length}) % ${FAMILY_NAMES.length}], t[1 + (i / 7) % 12], 'member'
    from generate_series(1, ${add}) i, ${words},
      (select array_agg(id order by name) ids, count(*)::int n from organizations) o`.execute(db);
  console.log(`  ${add} people added (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  await withoutIndexes(db, ["forum_topics", "forum_search", "tasks"], async () => {
    await sql`
      insert into forum_topics (id, category_id, author_id, organization_id, visibility, title, tags,
        first_post_id, answered, pinned, reply_count, like_count, view_count, last_activity_at, created_at, updated_at)
      select gen_random_uuid(), c.ids[1 + i % c.n], u.ids[1 + (i * 7919) % u.n], u.orgs[1 + (i * 7919) % u.n],
        case when i % 5 = 0 then 'organization' else 'platform' end,
        case when i % 5 = 1 then 'سؤال عن ' || a[1 + (i / 5) % 5] || ' ' || i
          else initcap(w[1 + i % 12]) || ' ' || k[1 + (i / 12) % 8] || ' on line ' || i % 40 end,
        '{}', gen_random_uuid(), false, false, 1, (i * 31) % 40, (i * 17) % 3000,
        now() - i * interval '5 minutes' + interval '1 hour', now() - i * interval '5 minutes',
        now() - i * interval '5 minutes'
      from generate_series(1, ${GS_SEED.topics}) i, ${words},
        (select array_agg(id order by position) ids, count(*)::int n from forum_categories) c,
        (select array_agg(id) ids, array_agg(organization_id) orgs, count(*)::int n from users) u`.execute(db);
    console.log(`  ${GS_SEED.topics} topics (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    await sql`
      insert into forum_search (post_id, topic_id, title, body, created_at, topic_visibility, topic_organization_id)
      select first_post_id, id, title,
        case when title like 'سؤال%' then 'نواجه مشكلة في ' || a[1 + abs(hashtext(id::text)) % 5] || ' منذ أسبوع'
          else 'We see ' || lower(split_part(title, ' ', 1)) || ' trouble after the last ' || k[1 + abs(hashtext(id::text)) % 8]
            || case when hashtext(id::text) % 1000 = 0 then ' with a ${sql.raw(RARE_WORD)} noise' else '' end end,
        created_at, visibility, organization_id
      from forum_topics, ${words}
      union all
      select gen_random_uuid(), id, title,
        case when title like 'سؤال%' then 'تحقق من ' || a[1 + abs(hashtext(title)) % 5] || ' والصمامات'
          else 'Check the ' || w[1 + abs(hashtext(title)) % 12] || ' and its seals before the next ' || k[1 + abs(hashtext(title)) % 8] end,
        last_activity_at, visibility, organization_id
      from forum_topics, ${words}`.execute(db);
    console.log(`  ${2 * GS_SEED.topics} forum search documents (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    await sql`
      insert into tasks (id, owner_id, title, description, priority, tags, due_at, created_at, updated_at)
      select gen_random_uuid(), o.id,
        case when i % 5 = 1 then 'متابعة ' || a[1 + (i / 5) % 5] || ' ' || i
          else 'Check ' || w[1 + i % 12] || ' ' || k[1 + (i / 12) % 8] || ' ' || i end,
        case when i % 1000 = 0 then '${sql.raw(RARE_WORD)} seen on the pump' end, 1 + i % 3, '{}',
        case when i % 3 = 0 then now() + i * interval '1 hour' end,
        now() - i * interval '1 hour', now() - i * interval '1 hour'
      from generate_series(1, ${GS_SEED.tasks}) i, ${words},
        (select id from users where email = ${tasksOwnerEmail}) o`.execute(db);
  });
  await sql`analyze users`.execute(db);
  await markSeeded(db, GS_SEED.version, started);
}
