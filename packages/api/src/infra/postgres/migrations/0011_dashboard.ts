import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // The trending scores the dashboard's job computes (modules/dashboard/trending.ts), per kind
  // ("topics" | "useCases") and window ("24h" | "7d" | "30d"); replaced as a whole on each run.
  // Visibility and filters are copied from the subject so a read filters on one index; the
  // subject's current visibility is checked again at read time.
  await db.schema
    .createTable("dashboard_trending")
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('topics', 'useCases')`))
    .addColumn("window", "text", (c) => c.notNull().check(sql`"window" in ('24h', '7d', '30d')`))
    .addColumn("subject_id", "uuid", (c) => c.notNull())
    .addColumn("organization_id", "uuid", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull().check(sql`visibility in ('platform', 'organization')`))
    .addColumn("category_id", "uuid")
    .addColumn("industry", "text")
    .addColumn("score", "float8", (c) => c.notNull())
    .addColumn("views", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("replies", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("likes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("best_answers", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("computed_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("dashboard_trending_pk", ["kind", "window", "subject_id"])
    .execute();
  await sql`create index dashboard_trending_rank on dashboard_trending (kind, "window", score desc, subject_id desc)`.execute(
    db,
  );

  // Counted views per subject and day (use cases: their view counter has no time; forum topics
  // keep their own per-day views). Kept for the longest window, pruned by the trending job.
  await db.schema
    .createTable("dashboard_daily_views")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("subject_id", "uuid", (c) => c.notNull())
    .addColumn("day", "date", (c) => c.notNull())
    .addColumn("views", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("dashboard_daily_views_pk", ["kind", "day", "subject_id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dashboard_daily_views").execute();
  await db.schema.dropTable("dashboard_trending").execute();
}
