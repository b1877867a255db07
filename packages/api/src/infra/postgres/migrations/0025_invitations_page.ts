import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // invitations.list pages newest first by (created_at, id): the id breaks ties inside the index.
  await db.schema
    .createIndex("invitations_org_page")
    .on("invitations")
    .columns(["organization_id", "created_at", "id"])
    .execute();
  await db.schema.dropIndex("invitations_org").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("invitations_org").on("invitations").columns(["organization_id", "created_at"]).execute();
  await db.schema.dropIndex("invitations_org_page").execute();
}
