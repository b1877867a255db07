import { stem } from "porter2";
import { markRanges, SNIPPET_CHARS } from "../../lib/search-text";

/**
 * Snippets of forum hits, marked here from the hit's text and the lexemes PostgreSQL parsed the
 * query into. ts_headline parsed and stemmed every word of every hit's text again: half of a common
 * word's search in PostgreSQL, growing with the length of the posts (bench/RESULTS.md, 2026-11-30).
 * Here one regular expression finds the words that start like a lexeme, and only those are stemmed.
 */

const ARABIC = /[\u0600-\u06FF]/;
const WORD_CHAR = "[\\p{L}\\p{N}]";
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The lexemes of `querytree(tsquery)`: its quoted terms, those it searches for (not the excluded). */
export function lexemesOf(querytree: string): string[] {
  return [...querytree.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replaceAll("''", "'"));
}

/** Marks a search's hits in the texts of its results. */
export interface HitMarker {
  /** The text (a title) with every hit marked, escaped. */
  all(text: string): string;
  /** About 200 characters of the text around its first hit, escaped, the hits marked. */
  snippet(text: string): string;
}

/**
 * The marker of the words that are one of the lexemes: as they are (numbers, compounds such as
 * "set-point"), by their English stem (Porter2, PostgreSQL's english_stem), or for Arabic by holding
 * the stem, which the Arabic stemmer finds inside the word's prefixes and suffixes ("للضواغط" holds
 * "ضواغط"). A whole word is marked, as ts_headline marked it.
 */
export function hitMarker(lexemes: readonly string[]): HitMarker {
  const exact = new Set(lexemes);
  const arabic = lexemes.filter((l) => ARABIC.test(l));
  // A Porter2 stem is the start of its word but for a last y made i ("batteri" of "battery"): the
  // candidates are the words that start like a stem, longest first, a compound's own parts included.
  const candidates = [...lexemes]
    .sort((a, b) => b.length - a.length)
    .map((l) =>
      ARABIC.test(l)
        ? `${WORD_CHAR}*${escapeRegExp(l)}${WORD_CHAR}*`
        : `${escapeRegExp(l.slice(0, Math.max(1, l.length - 1)))}${WORD_CHAR}*`,
    );
  const words = candidates.length ? new RegExp(`(?<!${WORD_CHAR})(?:${candidates.join("|")})`, "giu") : null;
  const isHit = (word: string) => {
    const w = word.toLowerCase();
    return exact.has(w) || arabic.some((a) => w.includes(a)) || exact.has(stem(w));
  };
  const hitsIn = (text: string): [number, number][] =>
    words ? [...text.matchAll(words)].filter((m) => isHit(m[0])).map((m) => [m.index, m.index + m[0].length]) : [];
  return {
    all: (text) => markRanges(text, hitsIn(text)),
    snippet: (text) => markRanges(text, hitsIn(text), SNIPPET_CHARS),
  };
}
