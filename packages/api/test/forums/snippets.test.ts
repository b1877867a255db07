/**
 * Forum search snippets (modules/forums/snippets.ts): which words are marked for the lexemes
 * PostgreSQL parsed a query into, and which part of a long text is shown. The search tests
 * (search.test.ts) cover the same through the API, with the lexemes from PostgreSQL.
 */
import { describe, expect, it } from "vitest";
import { hitMarker, lexemesOf, SNIPPET_SOURCE_CHARS } from "../../src/modules/forums/snippets";

const words = (n: number, word = "filler") => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");

describe("forum search snippets", () => {
  it("reads the lexemes of querytree, not the excluded ones (querytree drops them)", () => {
    expect(lexemesOf("'sensor' & 'drive' <-> 'end' | 'lubric'")).toEqual(["sensor", "drive", "end", "lubric"]);
    expect(lexemesOf("'o''brien'")).toEqual(["o'brien"]);
    expect(lexemesOf("'a\\\\b' & 'pump' & 'pump'")).toEqual(["a\\b", "pump"]);
    expect(lexemesOf("T")).toEqual([]);
  });

  it("marks every word whose English stem is a lexeme, whole, in any case", () => {
    expect(hitMarker(["batteri", "sensor"]).all("Batteries and a battery; Sensors, SENSOR, sensing")).toBe(
      "<mark>Batteries</mark> and a <mark>battery</mark>; <mark>Sensors</mark>, <mark>SENSOR</mark>, sensing",
    );
    // A word that only starts like the lexeme is not a hit ("runway" is not "run").
    expect(hitMarker(["run"]).all("We run the runway runs")).toBe("We <mark>run</mark> the runway <mark>runs</mark>");
  });

  it("marks compounds and numbers as the parser keeps them, or their parts", () => {
    const marker = hitMarker(["set-point", "set", "point", "3.5", "plc5"]);
    expect(marker.all("Check the set-point at 3.5 bar on PLC5")).toBe(
      "Check the <mark>set-point</mark> at <mark>3.5</mark> bar on <mark>PLC5</mark>",
    );
    expect(hitMarker(["end"]).all("the drive-end bearing")).toBe("the drive-<mark>end</mark> bearing");
  });

  it("marks an Arabic word that holds the stem, with its prefixes", () => {
    expect(hitMarker(["ضواغط"]).all("جدول صيانة دوري للضواغط والضواغط")).toBe(
      "جدول صيانة دوري <mark>للضواغط</mark> <mark>والضواغط</mark>",
    );
  });

  it("escapes the text: only its own <mark> is markup", () => {
    expect(hitMarker(["pump"]).snippet('a<b && c>d "pump" <mark>x</mark>')).toBe(
      "a&lt;b &amp;&amp; c&gt;d &quot;<mark>pump</mark>&quot; &lt;mark&gt;x&lt;/mark&gt;",
    );
  });

  it("shows a short text whole", () => {
    expect(hitMarker(["past"]).snippet("Someone pasted it there.")).toBe("Someone <mark>pasted</mark> it there.");
  });

  it("shows a long text around its first hit, cut at spaces, with … where it was cut", () => {
    const text = `${words(500)} the gearbox whines ${words(500, "more")} gearbox`;
    const snippet = hitMarker(["gearbox"]).snippet(text);
    expect(snippet).toMatch(/^… filler\d+ .* the <mark>gearbox<\/mark> whines more0 .* more\d+ …$/);
    expect(snippet.length).toBeLessThan(260);
    expect(snippet.match(/<mark>/g)).toHaveLength(1);
  });

  it("looks for the first hit in the first 20,000 characters only, and takes no overlong word for one", () => {
    const marker = hitMarker(["gearbox", "ضواغط"]);
    expect(marker.snippet(`${"x ".repeat(9_000)}gearbox`)).toContain("<mark>gearbox</mark>");
    expect(marker.snippet(`${"x ".repeat(11_000)}gearbox`)).toMatch(/^x x x .* …$/);
    expect(marker.all(`للضواغط ${"ب".repeat(3_000)}ضواغط`)).toBe(`<mark>للضواغط</mark> ${"ب".repeat(3_000)}ضواغط`);
  });

  it("reads no text past SNIPPET_SOURCE_CHARS, which the search fetches of a hit's body", () => {
    const marker = hitMarker(["gearbox"]);
    const filler = (chars: number) => "x ".repeat(chars / 2);
    for (const text of [
      `${filler(19_990)}gearbox ${filler(30_000)}`, // the last place a first hit is found
      `${filler(19_990)}${"g".repeat(2_100)} gearbox ${filler(30_000)}`, // an overlong word across the window
      `${filler(20_010)}gearbox ${filler(30_000)}`, // too far: the text's start
      `${filler(19_800)}gearbox${"a".repeat(2_040)} ${filler(30_000)}`, // a long non-hit word
    ]) {
      expect(marker.snippet(text.slice(0, SNIPPET_SOURCE_CHARS))).toBe(marker.snippet(text));
    }
  });

  it("shows the text's start when none of its words is a hit", () => {
    expect(hitMarker(["gearbox"]).snippet(words(40))).toMatch(/^filler0 filler1 .* …$/);
    expect(hitMarker([]).snippet("Plain text")).toBe("Plain text");
    expect(hitMarker(["gearbox"]).snippet("")).toBe("");
  });
});
