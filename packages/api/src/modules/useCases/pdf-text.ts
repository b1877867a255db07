import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { inflateSync } from "node:zlib";

/**
 * Text for pdfkit in any mix of Latin and Arabic. pdfkit neither falls back between fonts nor
 * orders right-to-left text, so this does both, simply:
 *
 * - Fonts: Noto Sans and Noto Sans Arabic from the @fontsource npm packages (installed with the
 *   app everywhere, no system fonts needed). Fontsource ships each script as its own subset file
 *   (WOFF, which pdfkit embeds); each character is drawn with the first subset whose unicode range
 *   (the package's unicode.json) holds it. Only the subsets a document uses are embedded.
 * - Direction: a paragraph is right-to-left when its first strong letter is Arabic. Lines are
 *   broken by words; a line's words are placed in visual order (runs of the other direction keep
 *   their own order), right-aligned in a right-to-left paragraph. fontkit shapes each Arabic word
 *   (joining forms, its glyphs right to left).
 */

type Weight = 400 | 700;
interface Subset {
  name: string;
  file: (weight: Weight) => string;
  ranges: [number, number][];
}

const require = createRequire(import.meta.url);

function parseRanges(spec: string): [number, number][] {
  return spec.split(",").map((part) => {
    const [from, to] = part.trim().replace(/^U\+/i, "").split("-");
    const start = Number.parseInt(from as string, 16);
    return [start, to ? Number.parseInt(to, 16) : start];
  });
}

function subsetsOf(pkg: string, family: string, names: string[]): Subset[] {
  const unicode = JSON.parse(readFileSync(require.resolve(`${pkg}/unicode.json`), "utf8")) as Record<string, string>;
  return names.map((name) => ({
    name: `${family}-${name}`,
    file: (weight) => require.resolve(`${pkg}/files/${family}-${name}-${weight}-normal.woff`),
    ranges: parseRanges(unicode[name] as string),
  }));
}

// In order of preference: a character goes to the first subset that has it (Latin first).
let subsets: Subset[] | null = null;
const allSubsets = () => {
  subsets ??= [
    ...subsetsOf("@fontsource/noto-sans", "noto-sans", ["latin", "latin-ext", "greek", "cyrillic", "vietnamese"]),
    ...subsetsOf("@fontsource/noto-sans-arabic", "noto-sans-arabic", ["arabic"]),
  ];
  return subsets;
};
const fontBytes = new Map<string, Buffer>();

/**
 * A WOFF font as the plain TrueType/OpenType file it wraps (the tables inflated once, with node's
 * zlib). fontkit reads WOFF too, but inflates the whole glyph table again, in JavaScript, for every
 * glyph it draws: a page took seconds.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString("latin1", 0, 4) !== "wOFF") return woff;
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4);
    const compLength = woff.readUInt32BE(at + 8);
    const origLength = woff.readUInt32BE(at + 12);
    const raw = woff.subarray(offset, offset + compLength);
    return {
      tag: woff.subarray(at, at + 4),
      checksum: woff.readUInt32BE(at + 16),
      data: compLength < origLength ? inflateSync(raw) : raw,
    };
  });
  const log2 = Math.floor(Math.log2(numTables));
  const header = Buffer.alloc(12 + 16 * numTables);
  header.writeUInt32BE(woff.readUInt32BE(4), 0); // the flavor: TrueType or CFF
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(2 ** log2 * 16, 6);
  header.writeUInt16BE(log2, 8);
  header.writeUInt16BE(numTables * 16 - 2 ** log2 * 16, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((t, i) => {
    const at = 12 + i * 16;
    t.tag.copy(header, at);
    header.writeUInt32BE(t.checksum, at + 4);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(t.data.length, at + 12);
    const padded = Buffer.alloc((t.data.length + 3) & ~3);
    t.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

function subsetFor(cp: number): Subset {
  const all = allSubsets();
  return all.find((s) => s.ranges.some(([a, b]) => cp >= a && cp <= b)) ?? (all[0] as Subset);
}

const isArabic = (cp: number) =>
  (cp >= 0x0600 && cp <= 0x06ff) ||
  (cp >= 0x0750 && cp <= 0x077f) ||
  (cp >= 0x0870 && cp <= 0x08ff) ||
  (cp >= 0xfb50 && cp <= 0xfdff) ||
  (cp >= 0xfe70 && cp <= 0xfeff);
const isStrongLtr = (ch: string) => /\p{L}/u.test(ch) && !isArabic(ch.codePointAt(0) as number);

type Dir = "ltr" | "rtl";

/** Left to right unless the first strong letter is Arabic. */
export function directionOf(text: string): Dir {
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (isArabic(cp)) return "rtl";
    if (isStrongLtr(ch)) return "ltr";
  }
  return "ltr";
}

/** The word's own direction, or null when it has no letters (numbers, punctuation: they follow their neighbours). */
function wordDirection(word: string): Dir | null {
  for (const ch of word) {
    const cp = ch.codePointAt(0) as number;
    if (isArabic(cp) && /\p{L}/u.test(ch)) return "rtl";
    if (isStrongLtr(ch)) return "ltr";
  }
  return null;
}

/** Words without letters take the direction of their neighbours when both agree, else the paragraph's. */
function resolveDirections(words: string[], base: Dir): Dir[] {
  const own = words.map(wordDirection);
  return own.map((dir, i) => {
    if (dir) return dir;
    const before =
      own
        .slice(0, i)
        .reverse()
        .find((d) => d !== null) ?? base;
    const after = own.slice(i + 1).find((d) => d !== null) ?? base;
    return before === after ? before : base;
  });
}

interface Run {
  subset: Subset;
  text: string;
}

/** Consecutive characters of one subset. */
function runsOf(word: string): Run[] {
  const runs: Run[] = [];
  for (const ch of word) {
    const subset = subsetFor(ch.codePointAt(0) as number);
    const last = runs[runs.length - 1];
    if (last && last.subset === subset) last.text += ch;
    else runs.push({ subset, text: ch });
  }
  return runs;
}

export interface TextStyle {
  size: number;
  bold?: boolean;
  color?: string;
  /** Line height as a multiple of the size. */
  leading?: number;
}

interface Word {
  text: string;
  /** Where the word goes among its neighbours. */
  dir: Dir;
  /** Whether its own characters run right to left (it has Arabic letters; a number does not). */
  rtlInside: boolean;
  width: number;
}

/**
 * The layout engine (fontkit) sets a run of Arabic script right to left as a whole, Arabic-Indic
 * digits included, which read left to right: "٢٠٪" came out as "٪٠٢" (2 and 0 swapped). Their
 * runs go in reversed, so the whole run's reversal puts them back in order.
 */
const digitsForLayout = (text: string) =>
  text.replace(/[\u0660-\u0669\u06F0-\u06F9]{2,}/g, (digits) => [...digits].reverse().join(""));

/** The font's ascender (Noto Sans, 1069 of 1000 units): every run sits on the Latin font's baseline. */
const ASCENT = 1.069;

/** Writes text with fonts and direction handled; the document's cursor is left alone. */
export class PdfText {
  private readonly registered = new Set<string>();

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  private use(subset: Subset, style: TextStyle) {
    const weight: Weight = style.bold ? 700 : 400;
    const name = `${subset.name}-${weight}`;
    if (!this.registered.has(name)) {
      let bytes = fontBytes.get(name);
      if (!bytes) {
        bytes = woffToSfnt(readFileSync(subset.file(weight)));
        fontBytes.set(name, bytes);
      }
      this.doc.registerFont(name, bytes);
      this.registered.add(name);
    }
    this.doc.font(name).fontSize(style.size);
  }

  widthOf(word: string, style: TextStyle): number {
    let width = 0;
    for (const run of runsOf(word)) {
      this.use(run.subset, style);
      width += this.doc.widthOfString(run.text);
    }
    return width;
  }

  lineHeight(style: TextStyle): number {
    return style.size * (style.leading ?? 1.35);
  }

  /** The paragraph's lines (in logical order) for a box `width` wide: each a list of words. */
  private lines(paragraph: string, width: number, style: TextStyle, base: Dir): Word[][] {
    const space = this.widthOf(" ", style);
    const lines: Word[][] = [];
    let line: Word[] = [];
    let used = 0;
    const push = (word: Word) => {
      const extra = line.length ? space + word.width : word.width;
      if (line.length && used + extra > width) {
        lines.push(line);
        line = [];
        used = 0;
      }
      used += line.length ? space + word.width : word.width;
      line.push(word);
    };
    const raws = paragraph.split(/\s+/).filter(Boolean);
    const dirs = resolveDirections(raws, base);
    for (const [i, raw] of raws.entries()) {
      const dir = dirs[i] as Dir;
      const rtlInside = wordDirection(raw) === "rtl";
      const w = this.widthOf(raw, style);
      if (w <= width) {
        push({ text: raw, dir, rtlInside, width: w });
        continue;
      }
      // A word wider than the box (a long URL): cut it where it fills a line.
      let piece = "";
      for (const ch of raw) {
        if (piece && this.widthOf(piece + ch, style) > width) {
          push({ text: piece, dir, rtlInside, width: this.widthOf(piece, style) });
          piece = "";
        }
        piece += ch;
      }
      if (piece) push({ text: piece, dir, rtlInside, width: this.widthOf(piece, style) });
    }
    if (line.length) lines.push(line);
    return lines;
  }

  /** The words of a line in the order they are drawn, left to right. */
  private visual(line: Word[], base: Dir): Word[] {
    const groups: Word[][] = [];
    for (const word of line) {
      const last = groups[groups.length - 1];
      if (last && (last[0] as Word).dir === word.dir) last.push(word);
      else groups.push([word]);
    }
    const ordered = groups.map((g) => ((g[0] as Word).dir === "rtl" ? [...g].reverse() : g));
    return (base === "rtl" ? ordered.reverse() : ordered).flat();
  }

  private drawWord(word: Word, x: number, y: number, style: TextStyle) {
    const runs = runsOf(word.text);
    let at = x;
    for (const run of word.rtlInside ? [...runs].reverse() : runs) {
      this.use(run.subset, style);
      this.doc
        .fillColor(style.color ?? "#1f2933")
        .text(digitsForLayout(run.text), at, y + ASCENT * style.size, { lineBreak: false, baseline: "alphabetic" });
      at += this.doc.widthOfString(run.text);
    }
  }

  /**
   * Writes `text` (paragraphs split at newlines) into the box at (x, y), `width` wide, and returns
   * the y below it. `newPage` is asked before a line that would pass `bottom`; it returns the y
   * to continue at on the next page.
   */
  write(
    text: string,
    x: number,
    y: number,
    width: number,
    style: TextStyle,
    page?: { bottom: number; newPage: () => number; align?: "start" | "center" },
  ): number {
    const height = this.lineHeight(style);
    const space = this.widthOf(" ", style);
    for (const paragraph of text.split(/\r?\n/)) {
      if (!paragraph.trim()) {
        y += height * 0.6;
        continue;
      }
      const base = directionOf(paragraph);
      for (const line of this.lines(paragraph, width, style, base)) {
        if (page && y + height > page.bottom) y = page.newPage();
        const words = this.visual(line, base);
        const lineWidth = words.reduce((sum, w) => sum + w.width, 0) + space * (words.length - 1);
        let at = page?.align === "center" ? x + (width - lineWidth) / 2 : base === "rtl" ? x + width - lineWidth : x;
        for (const word of words) {
          this.drawWord(word, at, y, style);
          at += word.width + space;
        }
        y += height;
      }
    }
    return y;
  }

  /** The height `write` would take (no page breaks). */
  measure(text: string, width: number, style: TextStyle): number {
    const height = this.lineHeight(style);
    let total = 0;
    for (const paragraph of text.split(/\r?\n/)) {
      if (!paragraph.trim()) total += height * 0.6;
      else total += this.lines(paragraph, width, style, directionOf(paragraph)).length * height;
    }
    return total;
  }
}
