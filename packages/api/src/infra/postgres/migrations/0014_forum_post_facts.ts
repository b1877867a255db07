import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Who wrote each live post, and whether it opens its topic, next to its search document: the
  // dashboard counts a person's and an organization's posts here, on an index, instead of counting
  // MongoDB documents (seconds at 1M posts with FerretDB). Opening posts are known from their
  // topics; replies get theirs from MongoDB by a job (forums.fillPostFacts).
  await db.schema
    .alterTable("forum_search")
    .addColumn("author_id", "uuid")
    .addColumn("organization_id", "uuid")
    .addColumn("opening", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update forum_search s set author_id = t.author_id, organization_id = t.organization_id, opening = true
    from forum_topics t where t.first_post_id = s.post_id`.execute(db);
  await sql`create index forum_search_author on forum_search (author_id, created_at) where author_id is not null`.execute(
    db,
  );
  await sql`create index forum_search_org on forum_search (organization_id, created_at) where organization_id is not null`.execute(
    db,
  );
  await sql`create index forum_search_unfilled on forum_search (post_id) where author_id is null`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("forum_search")
    .dropColumn("author_id")
    .dropColumn("organization_id")
    .dropColumn("opening")
    .execute();
}
