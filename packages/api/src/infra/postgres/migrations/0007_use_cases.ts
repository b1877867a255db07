import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Distance search with contrib's earthdistance (cube): shipped with PostgreSQL itself, so nothing
  // to install, and a GiST index answers "within r km" as a box test (see docs/decisions.md).
  await sql`create extension if not exists cube`.execute(db);
  await sql`create extension if not exists earthdistance`.execute(db);

  // Everything lists filter, sort or count; the rich content is a MongoDB document with the same id.
  await db.schema
    .createTable("use_cases")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("owner_id", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id"))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('draft', 'published', 'archived')`))
    .addColumn("title", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("industry", "text")
    .addColumn("technologies", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // Lower-cased copies, what the filters match (technologies are free text).
    .addColumn("technology_keys", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("tags", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("city", "text")
    .addColumn("country", "text")
    .addColumn("lat", "float8")
    .addColumn("lng", "float8")
    .addColumn("view_count", "integer", (c) => c.notNull().defaultTo(0))
    // The text search reads besides title and summary (problem, solution, vendor, metric labels).
    .addColumn("search_text", "text", (c) => c.notNull().defaultTo(""))
    // Which MongoDB content revision this row stands for (the two-phase write, modules/useCases/write.ts).
    .addColumn("content_rev", "uuid", (c) => c.notNull())
    .addColumn("archived_reason", "text")
    .addColumn("published_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("deleted_at", "timestamptz")
    .addColumn("document", sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(sql`
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('arabic', title), 'A') ||
        setweight(to_tsvector('english', summary), 'B') || setweight(to_tsvector('arabic', summary), 'B') ||
        setweight(to_tsvector('english', search_text), 'C') || setweight(to_tsvector('arabic', search_text), 'C')`)
        .stored(),
    )
    .addCheckConstraint("use_cases_point", sql`(lat is null) = (lng is null)`)
    .execute();
  const live = "deleted_at is null";
  for (const [name, cols, where] of [
    ["published_newest", "published_at desc, id desc", `status = 'published' and ${live}`],
    ["published_viewed", "view_count desc, id desc", `status = 'published' and ${live}`],
    ["industry_newest", "industry, published_at desc, id desc", `status = 'published' and ${live}`],
    ["org", "organization_id, status, updated_at desc, id desc", live],
    ["owner", "owner_id, status, updated_at desc, id desc", live],
    ["city", "lower(city), published_at desc, id desc", `status = 'published' and ${live}`],
    ["city_viewed", "lower(city), view_count desc, id desc", `status = 'published' and ${live}`],
    ["archived", "updated_at desc, id desc", `status = 'archived' and ${live}`],
    ["deleted", "deleted_at", "deleted_at is not null"],
  ] as const) {
    await sql`create index ${sql.raw(`use_cases_${name}`)} on use_cases (${sql.raw(cols)}) where ${sql.raw(where)}`.execute(
      db,
    );
  }
  await sql`create index use_cases_technologies on use_cases using gin (technology_keys) where deleted_at is null`.execute(
    db,
  );
  await sql`create index use_cases_tags on use_cases using gin (tags) where deleted_at is null`.execute(db);
  await sql`create index use_cases_document on use_cases using gin (document) where deleted_at is null`.execute(db);
  // Finer lexeme statistics (as forum_search has): with the default a rare word was estimated at
  // hundreds of rows and walked the newest-first index through thousands of documents.
  await sql`alter table use_cases alter column document set statistics 1000`.execute(db);
  await sql`create index use_cases_earth on use_cases using gist (ll_to_earth(lat, lng)) where lat is not null and deleted_at is null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("use_cases").execute();
}
