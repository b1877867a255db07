import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Topics, posts (their PostgreSQL half, forum_search) and tasks take the client key messages
  // take (clientMessageId, the REST Idempotency-Key), optional and unique per author: the index,
  // not a read before the write, decides between two requests at once. Next to it, the
  // fingerprint of the request that made the row (lib/idempotency.ts): another request with the
  // key is refused.
  for (const [table, owner] of [
    ["forum_topics", "author_id"],
    ["forum_search", "author_id"],
    ["tasks", "owner_id"],
  ] as const) {
    await db.schema
      .alterTable(table)
      .addColumn("client_message_id", "text")
      .addColumn("request_hash", "text")
      .execute();
    await sql`create unique index ${sql.id(`${table}_client_key`)} on ${sql.table(table)} (${sql.ref(owner)}, client_message_id)
              where client_message_id is not null`.execute(db);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["forum_topics", "forum_search", "tasks"]) {
    await db.schema.alterTable(table).dropColumn("client_message_id").dropColumn("request_hash").execute();
  }
}
