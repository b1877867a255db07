import { sql } from "kysely";
import type { Db } from "../../infra/postgres/db";

/**
 * Places of at least this many people: what one- and two-letter prefixes search first, from the
 * partial index city_names_major (migration 0008 names the same bound: keep them equal).
 */
export const MAJOR_POPULATION = 15_000;

/** Greater than every character, so [key, key + END) is every string that starts with key (collation C). */
const END = "\u{10FFFF}";

/**
 * Cities with a search key that starts with `prefix`, largest first: a range on the byte-ordered
 * key (city_names_pk, city_names_country or city_names_major).
 */
export function prefixMatches(
  db: Db,
  prefix: string,
  opts: { country?: string | undefined; majorOnly: boolean; limit: number },
) {
  let query = db
    .selectFrom("cityNames")
    .select((eb) => ["cityId", eb.fn.max("population").as("population")])
    .where("key", ">=", prefix)
    .where("key", "<", prefix + END)
    .groupBy("cityId")
    .orderBy("population", "desc")
    .orderBy("cityId")
    .limit(opts.limit);
  if (opts.country) query = query.where("country", "=", opts.country);
  // A literal, so the planner can match the partial index's predicate.
  if (opts.majorOnly) query = query.where("population", ">=", sql.lit(MAJOR_POPULATION));
  return query;
}

/** Keys that share enough trigrams with `q` (pg_trgm's `%`, city_names_trgm): candidates for typo matching. */
export function similarKeys(db: Db, q: string, opts: { country?: string | undefined; limit: number }) {
  let query = db
    .selectFrom("cityNames")
    .select(["cityId", "key", "population"])
    .where(sql<boolean>`key % ${q}`)
    .orderBy(sql`similarity(key, ${q})`, "desc")
    .orderBy("population", "desc")
    .limit(opts.limit);
  if (opts.country) query = query.where("country", "=", opts.country);
  return query;
}

export const citiesByIds = (db: Db, ids: readonly number[]) =>
  db
    .selectFrom("cities")
    .select(["id", "name", "nameAr", "country", "region", "lat", "lng", "population"])
    .where("id", "in", ids)
    .execute();
