import type { City } from "@p2p/schemas";
import type { Db } from "../../infra/postgres/db";
import { allCities, allNameKeys } from "./repo";

/**
 * The city gazetteer in memory: GeoNames' ~50,000 cities and their ~110,000 search keys (names.ts)
 * as a trie over the sorted keys, read once per process from the tables migration 0008 fills (they
 * change only with a migration, i.e. a deploy). Autocomplete runs on every keystroke: here a prefix
 * is a walk down the trie and typos a walk of it that stops where no longer key can stay within
 * the allowed edits, a fraction of a millisecond, where PostgreSQL's trigram lookup cost 3–12 ms
 * of a busy database per call (bench/RESULTS.md). Memory: see docs/decisions.md (measured with
 * gc() before and after the load).
 */
export interface Gazetteer {
  /** Cities with a key that starts with `prefix`. */
  prefixed(prefix: string, country: string | undefined): Set<City>;
  /**
   * Cities with a key that `query` turns into a prefix of with at most `allowed` edits (insert,
   * delete, substitute, swap two neighbours: names.ts prefixEdits), each with its fewest edits.
   */
  withTypos(query: string, allowed: number, country: string | undefined): Map<City, number>;
}

/**
 * The sorted keys as a trie, in typed arrays: node n's character, first child, next sibling, and
 * its subtree as a range of the sorted keys (the keys that end at n come first in it).
 */
interface Trie {
  char: Uint16Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  from: Int32Array;
  to: Int32Array;
  /** How many keys end at the node. */
  ending: Int32Array;
}

function buildTrie(keys: readonly string[]): Trie {
  let capacity = 1;
  for (const key of keys) capacity += key.length;
  const trie: Trie = {
    char: new Uint16Array(capacity),
    firstChild: new Int32Array(capacity).fill(-1),
    nextSibling: new Int32Array(capacity).fill(-1),
    from: new Int32Array(capacity),
    to: new Int32Array(capacity),
    ending: new Int32Array(capacity),
  };
  const lastChild = new Int32Array(capacity).fill(-1);
  let nodes = 1; // node 0: the root
  const path = [0]; // path[d]: the node of the current key's first d characters
  let previous = "";
  keys.forEach((key, k) => {
    let shared = 0;
    while (shared < previous.length && shared < key.length && previous[shared] === key[shared]) shared++;
    path.length = shared + 1;
    for (let d = shared; d < key.length; d++) {
      const parent = path[d] as number;
      const node = nodes++;
      trie.char[node] = key.charCodeAt(d);
      trie.from[node] = k;
      const last = lastChild[parent] as number;
      if (last < 0) trie.firstChild[parent] = node;
      else trie.nextSibling[last] = node;
      lastChild[parent] = node;
      path.push(node);
    }
    for (const node of path) trie.to[node] = k + 1;
    const end = path[key.length] as number;
    trie.ending[end] = (trie.ending[end] as number) + 1;
    previous = key;
  });
  // Sized for one node per character; shared prefixes leave most of that unused.
  return {
    char: trie.char.slice(0, nodes),
    firstChild: trie.firstChild.slice(0, nodes),
    nextSibling: trie.nextSibling.slice(0, nodes),
    from: trie.from.slice(0, nodes),
    to: trie.to.slice(0, nodes),
    ending: trie.ending.slice(0, nodes),
  };
}

class TrieGazetteer implements Gazetteer {
  private readonly trie: Trie;

  constructor(
    /** Sorted by UTF-16 code units (JavaScript's `<`); only the trie is kept. */
    keys: readonly string[],
    /** The city of each key. */
    private readonly cities: City[],
  ) {
    this.trie = buildTrie(keys);
  }

  private add(from: number, to: number, country: string | undefined, found: (city: City) => void) {
    for (let i = from; i < to; i++) {
      const city = this.cities[i] as City;
      if (!country || city.country === country) found(city);
    }
  }

  prefixed(prefix: string, country: string | undefined): Set<City> {
    const { char, firstChild, nextSibling, from, to } = this.trie;
    const found = new Set<City>();
    let node = 0;
    for (let d = 0; d < prefix.length && node >= 0; d++) {
      const c = prefix.charCodeAt(d);
      for (node = firstChild[node] as number; node >= 0 && char[node] !== c; node = nextSibling[node] as number);
    }
    if (node >= 0) this.add(from[node] as number, to[node] as number, country, (city) => found.add(city));
    return found;
  }

  withTypos(query: string, allowed: number, country: string | undefined): Map<City, number> {
    const found = new Map<City, number>();
    const take = (from: number, to: number, edits: number) =>
      this.add(from, to, country, (city) => {
        const known = found.get(city);
        if (known === undefined || edits < known) found.set(city, edits);
      });
    const { char, firstChild, nextSibling, from, to, ending } = this.trie;
    const m = query.length;
    // columns[d][i]: edits between query[0, i) and the path's first d characters (optimal string
    // alignment); `best`: the fewest edits that make the query a prefix of the path so far.
    const columns: Int32Array[] = [Int32Array.from({ length: m + 1 }, (_, i) => i)];
    const visit = (node: number, d: number, parentChar: number, best: number): void => {
      columns[d] ??= new Int32Array(m + 1);
      const column = columns[d] as Int32Array;
      const previous = columns[d - 1] as Int32Array;
      const beforeThat = columns[d - 2];
      const c = char[node] as number;
      column[0] = d;
      let smallest = d;
      for (let i = 1; i <= m; i++) {
        const q = query.charCodeAt(i - 1);
        let edits = Math.min(
          (previous[i] as number) + 1,
          (column[i - 1] as number) + 1,
          (previous[i - 1] as number) + (q === c ? 0 : 1),
        );
        if (beforeThat && i > 1 && q === parentChar && query.charCodeAt(i - 2) === c)
          edits = Math.min(edits, (beforeThat[i - 2] as number) + 1);
        column[i] = edits;
        if (edits < smallest) smallest = edits;
      }
      const edits = Math.min(best, column[m] as number);
      if (smallest > allowed) {
        // No longer path gets under `allowed`: every key below has `edits`.
        if (edits <= allowed) take(from[node] as number, to[node] as number, edits);
        return;
      }
      if (edits <= allowed) take(from[node] as number, (from[node] as number) + (ending[node] as number), edits);
      for (let child = firstChild[node] as number; child >= 0; child = nextSibling[child] as number)
        visit(child, d + 1, c, edits);
    };
    for (let child = firstChild[0] as number; child >= 0; child = nextSibling[child] as number) visit(child, 1, -1, m);
    return found;
  }
}

async function load(db: Db): Promise<Gazetteer> {
  const [cityRows, keyRows] = await Promise.all([allCities(db), allNameKeys(db)]);
  const byId = new Map<number, City>(cityRows.map((c) => [c.id, c]));
  const entries = keyRows.flatMap((k) => {
    const city = byId.get(k.cityId);
    return city ? [{ key: k.key, city }] : [];
  });
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.city.id - b.city.id));
  return new TrieGazetteer(
    entries.map((e) => e.key),
    entries.map((e) => e.city),
  );
}

/** Per database (tests run several apps in one process): loaded once; a failed load is tried again. */
const loaded = new WeakMap<Db, Promise<Gazetteer>>();

export function gazetteerOf(db: Db): Promise<Gazetteer> {
  let gazetteer = loaded.get(db);
  if (!gazetteer) {
    gazetteer = load(db);
    loaded.set(db, gazetteer);
    gazetteer.catch(() => loaded.delete(db));
  }
  return gazetteer;
}
