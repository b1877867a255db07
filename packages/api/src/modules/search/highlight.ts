/**
 * Highlighting for results whose text the service already holds (people, organizations, use cases,
 * tasks): the text escaped for HTML, with `<mark>` around the query's words. Forum hits get theirs
 * from forums/snippets.ts, which marks the words the stemmed search matched.
 */
import { escapeRegExp, markRanges } from "../../lib/search-text";

/**
 * The words of a websearch query worth marking: letters and digits, two or more, lower-cased,
 * without excluded words (`-word`) and the `or` operator, longest first. An English plural also
 * marks its singular ("pumps" marks "pump" too), as the stemmed match would have found it.
 */
export function termsOf(q: string): string[] {
  const kept = q.replace(/(^|\s)-\S+/g, " ");
  const words = (kept.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 2 && w !== "or");
  const stems = words.flatMap((w) => (/^[a-z]{4,}s$/.test(w) ? [w, w.slice(0, -1)] : [w]));
  return [...new Set(stems)].sort((a, b) => b.length - a.length);
}

/** One expression per list of terms (a search's terms mark every result of its page). */
const compiled = new WeakMap<readonly string[], RegExp | null>();
function regexOf(terms: readonly string[]): RegExp | null {
  let re = compiled.get(terms);
  if (re === undefined) {
    // Where a word starts: "al" marks "Al-Noor", not the middle of "Khalid".
    const alternatives = terms.map(escapeRegExp).join("|");
    re = terms.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})`, "giu") : null;
    compiled.set(terms, re);
  }
  return re;
}

/** Where the terms occur in `text`, merged, in order. */
function matchesIn(text: string, terms: readonly string[]): [number, number][] {
  const re = regexOf(terms);
  if (!re) return [];
  const out: [number, number][] = [];
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** Whether any of the terms occurs in `text` (case-insensitively). `search` ignores the shared expression's lastIndex. */
export function containsAny(text: string | null | undefined, terms: readonly string[]): boolean {
  const re = regexOf(terms);
  return !!text && !!re && text.search(re) !== -1;
}

/**
 * `text` as HTML: escaped, the terms marked. With `maxChars`, a window of about that many
 * characters around the first match (or the start), cut at spaces, with "…" where it was cut.
 */
export const highlight = (text: string, terms: readonly string[], maxChars?: number) =>
  markRanges(text, matchesIn(text, terms), maxChars);
