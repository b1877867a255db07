import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // A clientMessageId is for retries of one send: each message keeps the fingerprint of the send
  // that made it (lib/idempotency.ts), and another send with the key is refused. Messages sent
  // before keep none (null): their retries are answered as before, without the comparison.
  await db.schema.alterTable("messages").addColumn("request_hash", "text").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("messages").dropColumn("request_hash").execute();
}
