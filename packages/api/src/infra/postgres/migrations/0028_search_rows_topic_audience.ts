import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Who may see a post, next to its search document: its topic's visibility and organization. A
  // search walked the recency index and looked up each candidate's topic for them, a sixth of a
  // common word's search (bench/RESULTS.md, 2026-11-30). Both are fixed when the topic is made,
  // and a deleted topic's search rows go with it (0015), so the copy never goes stale. No default:
  // a row written without them is refused rather than shown to everyone.
  await db.schema
    .alterTable("forum_search")
    .addColumn("topic_visibility", "text")
    .addColumn("topic_organization_id", "uuid")
    .execute();
  await sql`update forum_search s set topic_visibility = t.visibility, topic_organization_id = t.organization_id
            from forum_topics t where t.id = s.topic_id`.execute(db);
  await sql`alter table forum_search alter column topic_visibility set not null,
            alter column topic_organization_id set not null`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("forum_search")
    .dropColumn("topic_visibility")
    .dropColumn("topic_organization_id")
    .execute();
}
