import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // What a list card shows besides the row's own columns (the outcomes and the first photo), so a
  // list page reads PostgreSQL only: with FerretDB a page's 20 documents by `$in` scanned the whole
  // collection (18 s at 100k use cases). `card_pending` marks the rows that existed before: added as
  // true for them, false for every later one; a job copies their card from MongoDB.
  await db.schema
    .alterTable("use_cases")
    .addColumn("outcomes", "jsonb")
    .addColumn("cover_file_id", "uuid")
    .addColumn("card_pending", "boolean", (c) => c.notNull().defaultTo(true))
    .execute();
  await sql`alter table use_cases alter column card_pending set default false`.execute(db);
  await sql`create index use_cases_card_pending on use_cases (id) where card_pending`.execute(db);
  // Which use cases show which uploads (the MongoDB list's files), for download rights: asked per
  // downloaded file, which a search inside MongoDB's arrays answered by scanning every document.
  await db.schema
    .createTable("use_case_media")
    .addColumn("use_case_id", "uuid", (c) => c.notNull().references("use_cases.id").onDelete("cascade"))
    .addColumn("file_id", "uuid", (c) => c.notNull())
    .addPrimaryKeyConstraint("use_case_media_pk", ["use_case_id", "file_id"])
    .execute();
  await db.schema.createIndex("use_case_media_file").on("use_case_media").column("file_id").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("use_case_media").execute();
  await db.schema
    .alterTable("use_cases")
    .dropColumn("outcomes")
    .dropColumn("cover_file_id")
    .dropColumn("card_pending")
    .execute();
}
