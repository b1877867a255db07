import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Personal to-dos: every query is one owner's, so every index starts with owner_id.
  await db.schema
    .createTable("tasks")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("owner_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("due_at", "timestamptz")
    // 1 low · 2 medium · 3 high, so it sorts.
    .addColumn("priority", "smallint", (c) => c.notNull().check(sql`priority between 1 and 3`))
    .addColumn("tags", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("link_kind", "text", (c) => c.check(sql`link_kind in ('topic', 'useCase', 'conversation')`))
    .addColumn("link_id", "uuid")
    .addColumn("remind_at", "timestamptz")
    .addColumn("reminded_at", "timestamptz")
    .addColumn("completed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("document", sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(sql`
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('arabic', title), 'A') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
        setweight(to_tsvector('arabic', coalesce(description, '')), 'B')`)
        .stored(),
    )
    .addCheckConstraint("tasks_link", sql`(link_kind is null) = (link_id is null)`)
    .execute();
  for (const [name, cols] of [
    ["created", "owner_id, created_at, id"],
    ["due", "owner_id, coalesce(due_at, 'infinity'::timestamptz), id"],
    ["priority", "owner_id, priority, id"],
    ["title", "owner_id, lower(title), id"],
  ] as const) {
    await sql`create index ${sql.raw(`tasks_${name}`)} on tasks (${sql.raw(cols)})`.execute(db);
  }
  await sql`create index tasks_open_due on tasks (owner_id, due_at) where completed_at is null`.execute(db);
  // Due-day and due-range filters whatever the state (dueToday, dueBefore/dueAfter): the due sort's
  // index is on coalesce(due_at, …), which a range on due_at cannot use.
  await sql`create index tasks_owner_due on tasks (owner_id, due_at)`.execute(db);
  await sql`create index tasks_document on tasks using gin (document)`.execute(db);
  await sql`alter table tasks alter column document set statistics 1000`.execute(db);
  await sql`create index tasks_reminders on tasks (remind_at) where reminded_at is null and completed_at is null`.execute(
    db,
  );
  await sql`create index tasks_link on tasks (link_id) where link_id is not null`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("tasks").execute();
}
