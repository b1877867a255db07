/**
 * Highlighting for results whose text the service already holds (people, organizations, use cases,
 * tasks): the text escaped for HTML, with `<mark>` around the query's words. Forum hits get theirs
 * from PostgreSQL's ts_headline (forums/search.ts), which knows the stemming.
 */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);

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
    const alternatives = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    re = terms.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})`, "giu") : null;
    compiled.set(terms, re);
  }
  return re;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

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
export function highlight(text: string, terms: readonly string[], maxChars?: number): string {
  let from = 0;
  let to = text.length;
  const all = matchesIn(text, terms);
  if (maxChars && text.length > maxChars) {
    const first = all[0]?.[0] ?? 0;
    from = Math.max(0, first - Math.floor(maxChars / 4));
    if (from > 0) {
      const space = text.indexOf(" ", from);
      from = space !== -1 && space < first ? space + 1 : from;
    }
    to = Math.min(text.length, from + maxChars);
    if (to < text.length) {
      const space = text.lastIndexOf(" ", to);
      to = space > from && space > (all[0]?.[1] ?? 0) ? space : to;
    }
  }
  // Never half of a character: a window edge inside a surrogate pair moves off it.
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from++;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to--;
  let out = from > 0 ? "… " : "";
  let at = from;
  for (const [s, e] of all) {
    if (e <= from || s >= to) continue;
    const start = Math.max(s, from);
    const end = Math.min(e, to);
    out += `${escapeHtml(text.slice(at, start))}<mark>${escapeHtml(text.slice(start, end))}</mark>`;
    at = end;
  }
  out += escapeHtml(text.slice(at, to));
  return to < text.length ? `${out} …` : out;
}
