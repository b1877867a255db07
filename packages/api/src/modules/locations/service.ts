import type { City, CityList } from "@p2p/schemas";
import type { Db } from "../../infra/postgres/db";
import { prefixEdits, searchKey } from "./names";
import { citiesByIds, prefixMatches, similarKeys } from "./repo";

/** Shorter queries search places of at least MAJOR_POPULATION first (see repo.ts). */
const SHORT_QUERY = 3;
/** Typos are forgiven from this many letters: one up to 7 letters, two from 8. */
const TYPOS_FROM = 4;
const TWO_TYPOS_FROM = 8;
/** Trigram candidates read for typo matching. */
const CANDIDATES = 100;

type Input = { q: string; country?: string | undefined; limit: number };

/**
 * City autocomplete. Ranked by match quality — a name (or a later word of it) starting with the
 * query, then one typo, then two — and by population within each. An exact name gets no rank of its
 * own: while someone types "الري" or "Al", the village of that name is rarely the city they want.
 * English, ASCII and Arabic spellings are all searched, folded alike (names.ts).
 */
export async function searchCities(db: Db, input: Input): Promise<CityList> {
  const q = searchKey(input.q);
  if (!q) return { items: [] };
  const length = [...q].length;
  const { country, limit } = input;

  const short = length < SHORT_QUERY;
  let prefixed = await prefixMatches(db, q, { country, majorOnly: short, limit }).execute();
  if (short && prefixed.length < limit)
    prefixed = await prefixMatches(db, q, { country, majorOnly: false, limit }).execute();
  const ranked = prefixed.map((m) => ({ id: m.cityId, rank: 0, population: m.population }));

  if (ranked.length < limit && length >= TYPOS_FROM) {
    const allowed = length >= TWO_TYPOS_FROM ? 2 : 1;
    const seen = new Set(ranked.map((r) => r.id));
    const fuzzy = new Map<number, { id: number; rank: number; population: number }>();
    for (const c of await similarKeys(db, q, { country, limit: CANDIDATES }).execute()) {
      if (seen.has(c.cityId)) continue;
      const edits = prefixEdits(q, c.key);
      if (edits > allowed) continue;
      const known = fuzzy.get(c.cityId);
      if (!known || edits < known.rank) fuzzy.set(c.cityId, { id: c.cityId, rank: edits, population: c.population });
    }
    const typos = [...fuzzy.values()].sort((a, b) => a.rank - b.rank || b.population - a.population || a.id - b.id);
    ranked.push(...typos.slice(0, limit - ranked.length));
  }

  if (!ranked.length) return { items: [] };
  const byId = new Map(
    (
      await citiesByIds(
        db,
        ranked.map((r) => r.id),
      )
    ).map((c) => [c.id, c]),
  );
  return { items: ranked.flatMap((r) => byId.get(r.id) ?? []) satisfies City[] };
}
