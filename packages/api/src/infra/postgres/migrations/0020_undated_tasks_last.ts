import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Due date, latest first, with undated tasks last (their key is '-infinity' going back; tasks_due
  // keys them 'infinity', last going forward).
  await sql`create index tasks_due_desc on tasks (owner_id, coalesce(due_at, '-infinity'::timestamptz), id)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index tasks_due_desc`.execute(db);
}
