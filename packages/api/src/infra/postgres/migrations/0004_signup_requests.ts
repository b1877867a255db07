import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // A sign-up waiting for its emailed link (modules/auth/signup.ts): the account is created only
  // when the address's owner opens the link, so sign-up never reveals whether an address is taken.
  await db.schema
    .createTable("signup_requests")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("organization", "jsonb", (c) => c.notNull())
    // Set by the job that mails the link; only the hash is stored.
    .addColumn("token_hash", "text", (c) => c.unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`alter table signup_requests add constraint signup_requests_email_lower check (email = lower(email))`.execute(
    db,
  );
  await db.schema.createIndex("signup_requests_email").on("signup_requests").column("email").execute();
  await db.schema.createIndex("signup_requests_expires_at").on("signup_requests").column("expires_at").execute();
  // The mail sweeper's query: unsent rows by age.
  await sql`create index mail_outbox_unsent on mail_outbox (created_at) where sent_at is null`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index mail_outbox_unsent`.execute(db);
  await db.schema.dropTable("signup_requests").execute();
}
