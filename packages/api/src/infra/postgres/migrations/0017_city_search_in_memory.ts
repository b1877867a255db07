import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  // City autocomplete searches the gazetteer in memory now (locations/gazetteer.ts reads both tables
  // whole, once per process): the prefix, country and trigram indexes have no reader left.
  await sql`drop index city_names_major`.execute(db);
  await sql`drop index city_names_country`.execute(db);
  await sql`drop index city_names_trgm`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index city_names_major on city_names (key) include (city_id, population, country)
    where population >= 15000`.execute(db);
  await sql`create index city_names_country on city_names (country, key)`.execute(db);
  await sql`create index city_names_trgm on city_names using gin (key gin_trgm_ops)`.execute(db);
}
