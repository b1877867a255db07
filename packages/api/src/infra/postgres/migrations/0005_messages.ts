import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  const user = (c: ColumnDefinitionBuilder) => c.references("users.id").onDelete("cascade").notNull();

  // One row per participant and peer: the conversation list of `user_id`, most recent first.
  await db.schema
    .createTable("conversations")
    .addColumn("user_id", "uuid", user)
    .addColumn("peer_id", "uuid", user)
    .addColumn("last_message_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("conversations_pk", ["user_id", "peer_id"])
    .execute();
  await sql`create index conversations_recent on conversations (user_id, last_message_at desc, peer_id)`.execute(db);

  await db.schema
    .createTable("messages")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("sender_id", "uuid", user)
    .addColumn("recipient_id", "uuid", user)
    // The conversation: the pair in a fixed order, so both directions share one index range.
    .addColumn("pair_low", "uuid", (c) => c.notNull().generatedAlwaysAs(sql`least(sender_id, recipient_id)`).stored())
    .addColumn("pair_high", "uuid", (c) =>
      c.notNull().generatedAlwaysAs(sql`greatest(sender_id, recipient_id)`).stored(),
    )
    .addColumn("client_message_id", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("attachment_ids", sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("delivered_at", "timestamptz")
    .addColumn("read_at", "timestamptz")
    .addColumn("edited_at", "timestamptz")
    .addColumn("deleted_at", "timestamptz")
    .addCheckConstraint("messages_not_to_self", sql`sender_id <> recipient_id`)
    .addUniqueConstraint("messages_client_id", ["sender_id", "client_message_id"])
    .execute();
  await sql`create index messages_history on messages (pair_low, pair_high, created_at desc, id desc)`.execute(db);
  // Unread counts, per conversation and in total: only unread, live messages are in it.
  await sql`create index messages_unread on messages (recipient_id, sender_id) where read_at is null and deleted_at is null`.execute(
    db,
  );
  // Downloads of attachments ask which messages hold a file.
  await sql`create index messages_attachments on messages using gin (attachment_ids) where attachment_ids <> '{}'`.execute(
    db,
  );

  // "Delete for me": the message stays for the other participant.
  await db.schema
    .createTable("message_hidden")
    .addColumn("user_id", "uuid", user)
    .addColumn("message_id", "uuid", (c) => c.references("messages.id").onDelete("cascade").notNull())
    .addPrimaryKeyConstraint("message_hidden_pk", ["user_id", "message_id"])
    .execute();

  await db.schema
    .createTable("message_reactions")
    .addColumn("message_id", "uuid", (c) => c.references("messages.id").onDelete("cascade").notNull())
    .addColumn("user_id", "uuid", user)
    .addColumn("emoji", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("message_reactions_pk", ["message_id", "user_id", "emoji"])
    .execute();

  // A personal, one-way address book.
  await db.schema
    .createTable("contacts")
    .addColumn("owner_id", "uuid", user)
    .addColumn("contact_id", "uuid", user)
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("contacts_pk", ["owner_id", "contact_id"])
    .execute();
  await db.schema.createIndex("contacts_contact").on("contacts").columns(["contact_id", "owner_id"]).execute();

  await db.schema
    .createTable("blocks")
    .addColumn("blocker_id", "uuid", user)
    .addColumn("blocked_id", "uuid", user)
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("blocks_pk", ["blocker_id", "blocked_id"])
    .addCheckConstraint("blocks_not_self", sql`blocker_id <> blocked_id`)
    .execute();
  await db.schema.createIndex("blocks_blocked").on("blocks").columns(["blocked_id", "blocker_id"]).execute();

  // Presence choices and the last time a user was connected (Redis holds who is online now).
  await db.schema
    .createTable("presence_settings")
    .addColumn("user_id", "uuid", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("away", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("hidden", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("last_seen_at", "timestamptz")
    .execute();

  // People search across organizations: names and title only (an email never matches across orgs).
  await sql`create index users_people_search on users using gin ((lower(first_name || ' ' || last_name || ' ' || coalesce(title, ''))) gin_trgm_ops) where status = 'active'`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists users_people_search`.execute(db);
  for (const table of [
    "presence_settings",
    "blocks",
    "contacts",
    "message_reactions",
    "message_hidden",
    "messages",
    "conversations",
  ])
    await db.schema.dropTable(table).ifExists().execute();
}
