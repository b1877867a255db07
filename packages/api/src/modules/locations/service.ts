import type { City, CityList } from "@p2p/schemas";
import type { Db } from "../../infra/postgres/db";
import { gazetteerOf } from "./gazetteer";
import { searchKey } from "./names";

/** Typos are forgiven from this many letters: one up to 7 letters, two from 8. */
const TYPOS_FROM = 4;
const TWO_TYPOS_FROM = 8;

/** Larger places first; the GeoNames id settles ties. */
const byPopulation = (a: City, b: City) => b.population - a.population || a.id - b.id;

/**
 * City autocomplete. Ranked by match quality — a name (or a later word of it) starting with the
 * query, then one typo, then two — and by population within each. An exact name gets no rank of its
 * own: while someone types "الري" or "Al", the village of that name is rarely the city they want.
 * English, ASCII and Arabic spellings are all searched, folded alike (names.ts), in memory
 * (gazetteer.ts).
 */
export async function searchCities(db: Db, input: { q: string; country?: string | undefined; limit: number }) {
  const q = searchKey(input.q);
  if (!q) return { items: [] } satisfies CityList;
  const { country, limit } = input;
  const gazetteer = await gazetteerOf(db);

  const prefixed = gazetteer.prefixed(q, country);
  const items = [...prefixed].sort(byPopulation).slice(0, limit);
  const length = [...q].length;
  // One typo, then (from TWO_TYPOS_FROM letters, when one left the page short) two: a two-typo walk
  // reads many more of the keys.
  const typosForgiven = length < TYPOS_FROM ? 0 : length < TWO_TYPOS_FROM ? 1 : 2;
  for (let allowed = 1; allowed <= typosForgiven && items.length < limit; allowed++) {
    const seen = new Set(items);
    const typos = [...gazetteer.withTypos(q, allowed, country)]
      .filter(([city]) => !prefixed.has(city) && !seen.has(city))
      .sort(([a, x], [b, y]) => x - y || byPopulation(a, b));
    items.push(...typos.slice(0, limit - items.length).map(([city]) => city));
  }
  return { items } satisfies CityList;
}
