import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // An organization's recently deleted use cases, most recent first (useCases/repo.ts listDeleted).
  await sql`create index use_cases_org_deleted on use_cases (organization_id, deleted_at desc, id desc) where deleted_at is not null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index use_cases_org_deleted`.execute(db);
}
