import { type Kysely, sql } from "kysely";

const now = sql`now()`;

const categories = [
  ["automation", "Automation", "PLCs, robotics, SCADA and control systems"],
  ["quality", "Quality", "Inspection, SPC, ISO and defect reduction"],
  ["maintenance", "Maintenance", "Predictive and preventive maintenance, reliability"],
  ["energy", "Energy", "Energy efficiency, utilities and sustainability"],
  ["safety", "Safety", "Occupational health, safety and compliance"],
  ["supply-chain", "Supply chain", "Sourcing, inventory, logistics and suppliers"],
  ["digital-transformation", "Digital transformation", "IIoT, data, MES/ERP and industry 4.0"],
] as const;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("forum_categories")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .execute();
  await db
    .insertInto("forum_categories")
    .values(categories.map(([slug, name, description], position) => ({ slug, name, description, position })))
    .execute();

  await db.schema
    .createTable("forum_topics")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("category_id", "uuid", (c) => c.notNull().references("forum_categories.id"))
    .addColumn("author_id", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id"))
    .addColumn("visibility", "text", (c) => c.notNull().check(sql`visibility in ('platform', 'organization')`))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("tags", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("first_post_id", "uuid", (c) => c.notNull())
    .addColumn("best_post_id", "uuid")
    .addColumn("answered", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("pinned", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("locked", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("reply_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("view_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("like_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_activity_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("last_poster_id", "uuid", (c) => c.references("users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("deleted_at", "timestamptz")
    .execute();
  // One index per sort, each led by `pinned` (pinned topics list first) and restricted to live
  // topics; category/author/org/tag filters get their own. Visibility is a cheap recheck on rows.
  const live = sql`deleted_at is null`;
  for (const [name, cols] of [
    ["latest", "pinned desc, created_at desc, id desc"],
    ["active", "pinned desc, last_activity_at desc, id desc"],
    ["top", "pinned desc, like_count desc, reply_count desc, id desc"],
    ["category_active", "category_id, pinned desc, last_activity_at desc, id desc"],
    ["category_latest", "category_id, pinned desc, created_at desc, id desc"],
    ["author", "author_id, created_at desc, id desc"],
    ["org", "organization_id, created_at desc, id desc"],
  ] as const) {
    await sql`create index ${sql.raw(`forum_topics_${name}`)} on forum_topics (${sql.raw(cols)}) where ${live}`.execute(
      db,
    );
  }
  await sql`create index forum_topics_unanswered on forum_topics (pinned desc, created_at desc, id desc) where deleted_at is null and not answered`.execute(
    db,
  );
  await sql`create index forum_topics_tags on forum_topics using gin (tags) where deleted_at is null`.execute(db);

  await db.schema
    .createTable("forum_topic_views")
    .addColumn("topic_id", "uuid", (c) => c.notNull().references("forum_topics.id").onDelete("cascade"))
    .addColumn("viewer_id", "uuid", (c) => c.notNull())
    .addColumn("day", "date", (c) => c.notNull())
    .addPrimaryKeyConstraint("forum_topic_views_pk", ["topic_id", "viewer_id", "day"])
    .execute();

  await db.schema
    .createTable("forum_post_likes")
    .addColumn("post_id", "uuid", (c) => c.notNull())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("topic_id", "uuid", (c) => c.notNull().references("forum_topics.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("forum_post_likes_pk", ["post_id", "user_id"])
    .execute();

  // Full-text search documents: one per post (the first post carries the topic title too).
  // English and Arabic stemming side by side, so words in either language are found.
  await db.schema
    .createTable("forum_search")
    .addColumn("post_id", "uuid", (c) => c.primaryKey())
    .addColumn("topic_id", "uuid", (c) => c.notNull().references("forum_topics.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("document", sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(sql`
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('arabic', title), 'A') ||
        setweight(to_tsvector('english', body), 'B') || setweight(to_tsvector('arabic', body), 'B')`)
        .stored(),
    )
    .execute();
  await sql`create index forum_search_document on forum_search using gin (document)`.execute(db);
  // Finer lexeme statistics: with the default target a rare word is estimated at ~0.5% of all
  // posts, so the planner hash-joined every live topic (a full scan) instead of looking up the
  // few matching topics by id. Checked by test/forums/query-plans.test.ts.
  await sql`alter table forum_search alter column document set statistics 1000`.execute(db);
  await db.schema.createIndex("forum_search_topic").on("forum_search").column("topic_id").execute();
  // Search ranks only the most recent matches; for common words this index finds them in order.
  await sql`create index forum_search_recent on forum_search (created_at desc, post_id desc)`.execute(db);

  await db.schema
    .createTable("notifications")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("actor_id", "uuid", (c) => c.references("users.id"))
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("read_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("notifications_user").on("notifications").columns(["user_id", "id"]).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "notifications",
    "forum_search",
    "forum_post_likes",
    "forum_topic_views",
    "forum_topics",
    "forum_categories",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
