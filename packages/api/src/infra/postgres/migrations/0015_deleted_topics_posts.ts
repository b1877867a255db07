import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // The posts of a deleted topic are no longer live: deleting a topic now removes their search rows
  // (and, by cascade, their attachments' download rows), so the counts kept there drop with it.
  // Topics deleted before go the same way here.
  await sql`delete from forum_search s using forum_topics t where t.id = s.topic_id and t.deleted_at is not null`.execute(
    db,
  );
}

// The removed rows belonged to deleted topics, which nothing shows: nothing to put back.
export async function down(): Promise<void> {}
