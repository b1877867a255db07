/**
 * A search query as the search documents read text (migration 0021): `<` and `>` as spaces, since
 * PostgreSQL's parser takes "<…>" for an HTML tag and skips what is inside.
 */
export const queryText = (q: string) => q.replace(/[<>]/g, " ");

/** Whether text has Arabic letters (a search is parsed in Arabic, a word matched by its Arabic stem). */
export const ARABIC = /[\u0600-\u06FF]/;

/** Text as a regular expression that matches it literally. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Text as HTML text: nothing in it is markup. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);

/** About how many characters of a result's text a search shows around its first hit. */
export const SNIPPET_CHARS = 200;

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * `text` as HTML: escaped, `<mark>` around the ranges (in order, not overlapping). With `maxChars`,
 * a window of about that many characters around the first range (or the start), cut at spaces,
 * with "…" where it was cut.
 */
export function markRanges(text: string, ranges: readonly [number, number][], maxChars?: number): string {
  let from = 0;
  let to = text.length;
  if (maxChars && text.length > maxChars) {
    const first = ranges[0]?.[0] ?? 0;
    from = Math.max(0, first - Math.floor(maxChars / 4));
    if (from > 0) {
      const space = text.indexOf(" ", from);
      from = space !== -1 && space < first ? space + 1 : from;
    }
    to = Math.min(text.length, from + maxChars);
    if (to < text.length) {
      const space = text.lastIndexOf(" ", to);
      to = space > from && space > (ranges[0]?.[1] ?? 0) ? space : to;
    }
  }
  // Never half of a character: a window edge inside a surrogate pair moves off it.
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from++;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to--;
  let out = from > 0 ? "… " : "";
  let at = from;
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    const start = Math.max(s, from);
    const end = Math.min(e, to);
    out += `${escapeHtml(text.slice(at, start))}<mark>${escapeHtml(text.slice(start, end))}</mark>`;
    at = end;
  }
  out += escapeHtml(text.slice(at, to));
  return to < text.length ? `${out} …` : out;
}
