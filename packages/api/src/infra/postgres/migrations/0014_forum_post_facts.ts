import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Who wrote each live post, and whether it opens its topic, next to its search document: the
  // dashboard counts a person's and an organization's posts here, on an index, instead of counting
  // MongoDB documents (seconds at 1M posts with FerretDB). `facts_pending` marks the posts from
  // before (added as true for them, false for every later one): a job (forums.fillPostFacts) copies
  // their author, organization and attachments from MongoDB. Opening posts know their author from
  // their topic at once.
  await db.schema
    .alterTable("forum_search")
    .addColumn("author_id", "uuid")
    .addColumn("organization_id", "uuid")
    .addColumn("opening", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("facts_pending", "boolean", (c) => c.notNull().defaultTo(true))
    .execute();
  await sql`alter table forum_search alter column facts_pending set default false`.execute(db);
  await sql`update forum_search s set author_id = t.author_id, organization_id = t.organization_id, opening = true
    from forum_topics t where t.first_post_id = s.post_id`.execute(db);
  await sql`create index forum_search_author on forum_search (author_id, created_at) where author_id is not null`.execute(
    db,
  );
  await sql`create index forum_search_org on forum_search (organization_id, created_at) where organization_id is not null`.execute(
    db,
  );
  await sql`create index forum_search_facts_pending on forum_search (post_id) where facts_pending`.execute(db);

  // Which live posts hold which uploads, for download rights: asked per downloaded file, which a
  // search inside MongoDB's arrays answered by scanning every post.
  await db.schema
    .createTable("forum_post_files")
    .addColumn("post_id", "uuid", (c) => c.notNull().references("forum_search.post_id").onDelete("cascade"))
    .addColumn("file_id", "uuid", (c) => c.notNull())
    .addColumn("topic_id", "uuid", (c) => c.notNull())
    .addPrimaryKeyConstraint("forum_post_files_pk", ["post_id", "file_id"])
    .execute();
  await db.schema.createIndex("forum_post_files_file").on("forum_post_files").column("file_id").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("forum_post_files").execute();
  await db.schema
    .alterTable("forum_search")
    .dropColumn("author_id")
    .dropColumn("organization_id")
    .dropColumn("opening")
    .dropColumn("facts_pending")
    .execute();
}
