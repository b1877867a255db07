import { stem } from "porter2";
import { ARABIC, escapeRegExp, markRanges, SNIPPET_CHARS } from "../../lib/search-text";

/**
 * Snippets of forum hits, marked here from the hit's text and the lexemes PostgreSQL parsed the
 * query into. ts_headline parsed and stemmed every word of every hit's text again: half of a common
 * word's search in PostgreSQL, growing with the length of the posts (bench/RESULTS.md, 2026-11-30).
 * Here one regular expression finds the words that start like a lexeme, and only those are stemmed.
 */

const WORD_CHAR = "[\\p{L}\\p{N}]";
/**
 * How far into a text a snippet looks for its first hit: a page of 100 crafted posts of 50,000
 * characters each, whose one hit is at the end, cost 0.3 s here without it. Past it, the snippet
 * is the text's start.
 */
const SCAN_CHARS = 20_000;
/** PostgreSQL indexes no longer word (its parser's MAXSTRLEN, 2,047 bytes): no longer one is a hit. */
const MAX_WORD = 2047;
/**
 * No snippet reads a text past this many characters: its first hit starts within SCAN_CHARS, its
 * window ends SNIPPET_CHARS after that, and a word cut here is past both or longer than MAX_WORD
 * either way. So the search need not fetch more of a hit's text (a post may hold 50,000).
 */
export const SNIPPET_SOURCE_CHARS = SCAN_CHARS + SNIPPET_CHARS + MAX_WORD + 1;

/**
 * The lexemes of `querytree(tsquery)`: its quoted terms, those it searches for (not the excluded),
 * each once. The output doubles quotes and backslashes inside a term.
 */
export function lexemesOf(querytree: string): string[] {
  const terms = [...querytree.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)].map((m) =>
    (m[1] as string).replace(/''|\\(.)/g, (_pair, escaped: string | undefined) => escaped ?? "'"),
  );
  return [...new Set(terms)];
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
  const arabic = [...exact].filter((l) => ARABIC.test(l));
  // One expression for all of them: a word tested against each in turn cost 30 times more.
  const arabicStem = arabic.length ? new RegExp(arabic.map(escapeRegExp).join("|"), "u") : null;
  // A Porter2 stem is the start of its word but for a last y made i ("batteri" of "battery"): the
  // candidates are the words that start like a stem (longest first, so a compound such as
  // "set-point" is one candidate), and, for Arabic, every word with an Arabic letter.
  const starts = [
    ...new Set([...exact].filter((l) => !ARABIC.test(l)).map((l) => [...l].slice(0, -1).join("") || l)),
  ].sort((a, b) => b.length - a.length);
  const branches = starts.map((start) => `${escapeRegExp(start)}${WORD_CHAR}*`);
  if (arabicStem) branches.push(`${WORD_CHAR}*[\\u0600-\\u06FF]${WORD_CHAR}*`);
  const words = branches.length ? new RegExp(`(?<!${WORD_CHAR})(?:${branches.join("|")})`, "giu") : null;
  const isHit = (word: string) => {
    if (word.length > MAX_WORD) return false;
    const w = word.toLowerCase();
    return exact.has(w) || arabicStem?.test(w) || (starts.some((start) => w.startsWith(start)) && exact.has(stem(w)));
  };
  /**
   * The hits in `text`. With `window`: only those up to that many characters after the first (no
   * further is shown), and none when the first is not within the first SCAN_CHARS.
   */
  const hitsIn = (text: string, window?: number): [number, number][] => {
    const hits: [number, number][] = [];
    if (!words) return hits;
    for (const m of text.matchAll(words)) {
      const first = hits[0];
      if (window !== undefined && (first ? m.index > first[0] + window : m.index > SCAN_CHARS)) break;
      if (isHit(m[0])) hits.push([m.index, m.index + m[0].length]);
    }
    return hits;
  };
  return {
    all: (text) => markRanges(text, hitsIn(text)),
    snippet: (text) => markRanges(text, hitsIn(text, SNIPPET_CHARS), SNIPPET_CHARS),
  };
}
