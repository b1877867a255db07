import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("notifications")
    // What it points at (a topic, a message…), so a change to that target can find its notifications.
    .addColumn("subject_id", "uuid")
    // False when the recipient turned in-app notices of this type off but still wants its email.
    .addColumn("in_app", "boolean", (c) => c.notNull().defaultTo(true))
    // Set once the live event went out and the email was scheduled (or not needed).
    .addColumn("delivered_at", "timestamptz")
    .addColumn("emailed_at", "timestamptz")
    .execute();
  // Rows from before this migration were never delivered: they count as delivered (no live event now).
  await sql`update notifications set delivered_at = created_at`.execute(db);
  await db.schema.dropIndex("notifications_user").execute();
  await sql`create index notifications_list on notifications (user_id, id desc) where in_app`.execute(db);
  await sql`create index notifications_list_type on notifications (user_id, type, id desc) where in_app`.execute(db);
  await sql`create index notifications_unread on notifications (user_id, id desc) where in_app and read_at is null`.execute(
    db,
  );
  await sql`create index notifications_undelivered on notifications (id) where delivered_at is null`.execute(db);
  await sql`create index notifications_subject on notifications (subject_id) where subject_id is not null`.execute(db);
  await sql`create index notifications_actor on notifications (user_id, actor_id)`.execute(db);
  await sql`create index notifications_read_at on notifications (read_at) where read_at is not null`.execute(db);
  // The daily digest's query: emailable rows not sent yet.
  await sql`create index notifications_digest on notifications (user_id, id) where emailed_at is null and read_at is null`.execute(
    db,
  );

  await db.schema
    .createTable("notification_preferences")
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("in_app", "boolean", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull().check(sql`email in ('off', 'immediately', 'daily')`))
    .addPrimaryKeyConstraint("notification_preferences_pk", ["user_id", "type"])
    .execute();
  await db.schema
    .createTable("notification_settings")
    .addColumn("user_id", "uuid", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    // Minutes after local midnight; both null: no quiet hours.
    .addColumn("quiet_start", "smallint")
    .addColumn("quiet_end", "smallint")
    .addColumn("last_digest_at", "timestamptz")
    .execute();

  // Extra mail headers (List-Unsubscribe…).
  await db.schema.alterTable("mail_outbox").addColumn("headers", "jsonb").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("mail_outbox").dropColumn("headers").execute();
  await db.schema.dropTable("notification_settings").execute();
  await db.schema.dropTable("notification_preferences").execute();
  for (const index of [
    "notifications_list",
    "notifications_list_type",
    "notifications_unread",
    "notifications_undelivered",
    "notifications_subject",
    "notifications_actor",
    "notifications_read_at",
    "notifications_digest",
  ])
    await db.schema.dropIndex(index).execute();
  await db.schema.createIndex("notifications_user").on("notifications").columns(["user_id", "id"]).execute();
  await db.schema
    .alterTable("notifications")
    .dropColumn("subject_id")
    .dropColumn("in_app")
    .dropColumn("delivered_at")
    .dropColumn("emailed_at")
    .execute();
}
