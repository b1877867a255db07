import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Global search's people whose name starts with the query, in name order (users/repo.ts somePeople).
  await sql`create index users_name_prefix on users (lower(first_name || ' ' || last_name) text_pattern_ops) where status = 'active'`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index users_name_prefix`.execute(db);
}
