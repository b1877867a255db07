import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Tag and text filters are always on one owner's tasks. The owner's btree indexes walked all of
  // that owner's rows for a rare tag or word (10,000 rows: 1–3 ms a page); the document index alone
  // matched everyone's. One GIN index over the owner, the tags and the document (btree_gin gives
  // uuid its GIN operator class) intersects the owner with the tag or the words inside the index.
  await sql`create extension if not exists btree_gin`.execute(db);
  await sql`create index tasks_owner_search on tasks using gin (owner_id, tags, document)`.execute(db);
  await sql`drop index tasks_document`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index tasks_document on tasks using gin (document)`.execute(db);
  await sql`drop index tasks_owner_search`.execute(db);
}
