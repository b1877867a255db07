/**
 * How city names become search keys, shared by the loader (stored keys) and the search (the query):
 * both sides fold the same way, so "Ta’if", "taif" and "TAIF" meet, and so do "الطائف" and "الطايف".
 */

// Letters of Persian, Urdu, Kurdish, Pashto… written in Arabic script but not in Arabic itself.
const NON_ARABIC_LETTERS = /[\u0679-\u06BF\u06C0-\u06D5\u06EE-\u06FF\u0620\u063B-\u063F\u066E\u066F\u0671-\u0678]/u;
const ARABIC_WORD = /^[\u0621-\u064A\u064B-\u0652\u0640 ]+$/u;
const LATIN_NAME = /^[\p{Script=Latin}\p{M} '’‘`.-]+$/u;

/**
 * The search key of a name: compatibility-decomposed, marks (accents, Arabic vowel signs, hamza
 * seats) dropped, lower case, Arabic letter variants folded (ٱ→ا, ة→ه, ى→ي, Persian ی/ک → ي/ك),
 * apostrophes removed, other punctuation as spaces, spaces collapsed.
 */
export function searchKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\p{M}\u0640]/gu, "")
    .toLowerCase()
    .replace(/ٱ/g, "ا")
    .replace(/ة/g, "ه")
    .replace(/[ىیې]/g, "ي")
    .replace(/ک/g, "ك")
    .replace(/['’‘`ʻʼ´]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * Every key a name is found by: the whole name, and the rest of it from each later word on ("al
 * khobar" is also "khobar"; "الخبر" is also "خبر"), so a prefix may start at any word.
 * The first key is the whole name.
 */
export function keysOf(name: string): string[] {
  const whole = searchKey(name);
  if (!whole) return [];
  const keys = new Set([whole]);
  const words = whole.split(" ");
  words.forEach((word, i) => {
    const rest = words.slice(i).join(" ");
    // Not from particles: "de janeiro" would answer "de", "la paz" "la".
    if (i > 0 && word.length > 2) keys.add(rest);
    // The Arabic article is written joined to its word.
    if (word.length > 3 && word.startsWith("ال")) keys.add(rest.slice(2));
  });
  return [...keys];
}

/** Arabic-script names written in Arabic (not Persian, Urdu…), without a ", region" tail. */
export function arabicNames(alternates: readonly string[]): string[] {
  return alternates.filter(
    (n) =>
      ARABIC_WORD.test(n) &&
      !NON_ARABIC_LETTERS.test(n) &&
      // ى (alef maksura) only ends a word in Arabic; inside one it is Uyghur or Kazakh spelling.
      !/ى[\u0621-\u064A]/u.test(n),
  );
}

/**
 * The Arabic name to show, from the GeoNames alternate names (which carry no language tags):
 * one with the article (الرياض over رياض), then one with letters only Arabic has (جدة over جده),
 * then the shortest (مكة over مكة المكرمة).
 */
export function pickArabicName(names: readonly string[]): string | null {
  // A final ى for ي (دبى) is a regional spelling: the standard one (دبي) wins a tie.
  const score = (n: string) =>
    (n.startsWith("ال") ? 4 : 0) + (/[ةأإآؤئ]/u.test(n) ? 2 : 0) - n.length / 100 - (n.endsWith("ى") ? 0.001 : 0);
  let best: string | null = null;
  for (const n of names) if (best === null || score(n) > score(best)) best = n;
  return best;
}

/**
 * Latin-script alternate names ("Makkah", "Ar Riyad") as written by people: capitalized, so not the
 * machine romanizations of other scripts ("li ya de", "alryad"), and not codes such as "RUH".
 */
export const latinNames = (alternates: readonly string[]): string[] =>
  alternates.filter((n) => LATIN_NAME.test(n) && /^\p{Lu}/u.test(n) && !/^[A-Z]{2,4}$/.test(n));

/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `query` into a prefix of `key`:
 * the fewest over every prefix length. "riyahd" is one edit from "riyadh", "jedah" one from "jedda…".
 */
export function prefixEdits(query: string, key: string): number {
  const a = [...query];
  const b = [...key];
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = d;
    }
  }
  return Math.min(...(rows[a.length] as number[]));
}
