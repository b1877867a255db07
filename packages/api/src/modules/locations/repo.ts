import type { Db } from "../../infra/postgres/db";

/** Every city as the API shows it (the gazetteer loads them once: gazetteer.ts). */
export const allCities = (db: Db) =>
  db.selectFrom("cities").select(["id", "name", "nameAr", "country", "region", "lat", "lng", "population"]).execute();

/** Every search key and its city (names.ts keysOf). */
export const allNameKeys = (db: Db) => db.selectFrom("cityNames").select(["key", "cityId"]).execute();
