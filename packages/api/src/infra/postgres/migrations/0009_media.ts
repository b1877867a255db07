import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // One row per uploaded image or video sent through the media pipeline (modules/media).
  await db.schema
    .createTable("media_assets")
    // The source file. No cascade: a processed upload is in use until its holder discards the media.
    .addColumn("file_id", "uuid", (c) => c.primaryKey().references("files.id"))
    .addColumn("owner_id", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('image', 'video')`))
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'ready', 'failed')`),
    )
    .addColumn("error", "text")
    .addColumn("width", "integer")
    .addColumn("height", "integer")
    .addColumn("duration_ms", "integer")
    // The derived files (rows of `files`, owned like the source); a derived file cannot be deleted on its own.
    .addColumn("display_file_id", "uuid", (c) => c.references("files.id"))
    .addColumn("thumb320_file_id", "uuid", (c) => c.references("files.id"))
    .addColumn("thumb640_file_id", "uuid", (c) => c.references("files.id"))
    .addColumn("poster_file_id", "uuid", (c) => c.references("files.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The sweeper's query: pending assets by age.
  await sql`create index media_assets_pending on media_assets (updated_at) where status = 'pending'`.execute(db);
  // derivedSources: which source a derived file was made from (a download of a variant follows its source).
  for (const column of ["display_file_id", "thumb320_file_id", "thumb640_file_id", "poster_file_id"]) {
    await sql`create index ${sql.raw(`media_assets_${column.replace("_file_id", "")}`)} on media_assets (${sql.ref(column)}) where ${sql.ref(column)} is not null`.execute(
      db,
    );
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("media_assets").execute();
}
