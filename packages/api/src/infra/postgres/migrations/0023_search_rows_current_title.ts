import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // A rename used to reach only the first post's search row: replies kept (and showed) the old title.
  await sql`update forum_search s set title = t.title from forum_topics t
            where t.id = s.topic_id and s.title is distinct from t.title`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(_db: Kysely<any>): Promise<void> {
  // The old titles are gone: nothing to undo.
}
