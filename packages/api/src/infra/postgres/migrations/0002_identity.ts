import { type Kysely, sql } from "kysely";

const now = sql`now()`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("organizations")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("industry", "text", (c) => c.notNull())
    .addColumn("size", "text", (c) => c.notNull())
    .addColumn("country", "text", (c) => c.notNull())
    .addColumn("city", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("website", "text")
    .addColumn("logo_file_id", "uuid")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`create index organizations_name_trgm on organizations using gin (lower(name) gin_trgm_ops)`.execute(db);
  await db.schema.createIndex("organizations_name_id").on("organizations").columns(["name", "id"]).execute();
  await db.schema
    .createIndex("organizations_industry")
    .on("organizations")
    .columns(["industry", "name", "id"])
    .execute();
  await db.schema.createIndex("organizations_city").on("organizations").columns(["city", "name", "id"]).execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_verified_at", "timestamptz")
    .addColumn("password_hash", "text")
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("title", "text")
    .addColumn("phone", "text")
    .addColumn("bio", "text")
    .addColumn("avatar_file_id", "uuid")
    .addColumn("locale", "text", (c) => c.notNull().defaultTo("en"))
    .addColumn("timezone", "text", (c) => c.notNull().defaultTo("Asia/Riyadh"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active").check(sql`status in ('active', 'deactivated')`))
    .addColumn("is_moderator", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("totp_secret", "text")
    .addColumn("totp_enabled_at", "timestamptz")
    .addColumn("totp_last_step", "bigint")
    .addColumn("external_id", "text", (c) => c.unique())
    .addColumn("last_active_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  // Emails are stored lower-cased (the Email schema does it), so the plain column is the lookup key.
  await sql`alter table users add constraint users_email_lower check (email = lower(email))`.execute(db);
  await sql`create unique index users_email_unique on users (email)`.execute(db);
  await db.schema
    .createIndex("users_org_name")
    .on("users")
    .columns(["organization_id", "last_name", "first_name", "id"])
    .execute();
  await db.schema
    .createIndex("users_org_role_status")
    .on("users")
    .columns(["organization_id", "role", "status"])
    .execute();
  await sql`create index users_search_trgm on users using gin ((lower(first_name || ' ' || last_name || ' ' || email)) gin_trgm_ops)`.execute(
    db,
  );

  await db.schema
    .createTable("sessions")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("previous_secret_hash", "text")
    .addColumn("remember", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("user_agent", "text")
    .addColumn("ip", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("last_used_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("rotated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id", "created_at"]).execute();

  // Single-use emailed tokens: email verification and password reset.
  await db.schema
    .createTable("auth_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('verify_email', 'reset_password')`))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("auth_tokens_user").on("auth_tokens").columns(["user_id", "purpose"]).execute();

  await db.schema
    .createTable("recovery_codes")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("recovery_codes_user").on("recovery_codes").columns(["user_id", "code_hash"]).execute();

  await db.schema
    .createTable("invitations")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("accepted_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("invitations_org").on("invitations").columns(["organization_id", "created_at"]).execute();
  // At most one open invitation per address and organization.
  await sql`alter table invitations add constraint invitations_email_lower check (email = lower(email))`.execute(db);
  await sql`create unique index invitations_open_unique on invitations (organization_id, email)
    where accepted_at is null and revoked_at is null`.execute(db);

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id"))
    .addColumn("created_by", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("api_keys_org").on("api_keys").columns(["organization_id", "created_at"]).execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.references("organizations.id"))
    .addColumn("actor_id", "uuid", (c) => c.references("users.id"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("ip", "text")
    .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("audit_org_time").on("audit_log").columns(["organization_id", "id"]).execute();
  await db.schema
    .createIndex("audit_org_action")
    .on("audit_log")
    .columns(["organization_id", "action", "id"])
    .execute();
  await db.schema
    .createIndex("audit_org_actor")
    .on("audit_log")
    .columns(["organization_id", "actor_id", "id"])
    .execute();

  await db.schema
    .createTable("files")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organization_id", "uuid", (c) => c.notNull().references("organizations.id"))
    .addColumn("owner_id", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull().unique())
    .addColumn("idempotency_key", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("files_org").on("files").columns(["organization_id", "created_at"]).execute();
  await sql`create unique index files_owner_idempotency on files (owner_id, idempotency_key) where idempotency_key is not null`.execute(
    db,
  );
  await db.schema
    .alterTable("organizations")
    .addForeignKeyConstraint("organizations_logo_fk", ["logo_file_id"], "files", ["id"])
    .execute();
  await db.schema
    .alterTable("users")
    .addForeignKeyConstraint("users_avatar_fk", ["avatar_file_id"], "files", ["id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").dropConstraint("users_avatar_fk").execute();
  await db.schema.alterTable("organizations").dropConstraint("organizations_logo_fk").execute();
  for (const table of [
    "files",
    "audit_log",
    "api_keys",
    "invitations",
    "recovery_codes",
    "auth_tokens",
    "sessions",
    "users",
    "organizations",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
