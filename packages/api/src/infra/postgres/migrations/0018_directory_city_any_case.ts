import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // The directory's city filter matches any letter case ("dammam" finds Dammam), as use cases' does.
  await sql`create index organizations_city_lower on organizations (lower(city), name, id)`.execute(db);
  await sql`drop index organizations_city`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index organizations_city on organizations (city, name, id)`.execute(db);
  await sql`drop index organizations_city_lower`.execute(db);
}
