import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { featuresByLoop, featuresByScan } from "../src/detect.js";
import { matchesAtAnchor } from "../src/detectors/context.js";
import { DATE, dates } from "../src/detectors/date-of-birth.js";
import { detect, PII_TYPES } from "../src/index.js";

/** The long-text shortcuts must find exactly what the plain scans find: these hold them to it. */
const RUNS = Number(process.env.PII_PROPERTY_RUNS ?? 400);

/** Characters each feature bit reads, the ones next to them, and letters beyond ASCII (a lone surrogate too). */
const featureChar = fc.constantFrom(
  ..."aZz09 @:_=/-.,;!?\n\tAé\u00bf\u00c0\u00ff\u0100\u4e00".split(""),
  "\ud83d",
  "\ude00",
  "\ud83d\ude00",
);

/** Pieces of dates and near-dates: digit groups, separators, month names, ordinals, words. */
const datePiece = fc.oneof(
  fc.constantFrom(
    "1990",
    "2024",
    "12",
    "3",
    "31",
    "07",
    "1999",
    "123",
    "-",
    "/",
    ".",
    " ",
    ", ",
    "st",
    "th",
    "of ",
    "March",
    "Sept",
    "September",
    "sEpT.",
    "May",
    "born ",
    "v",
    "a",
    "_",
  ),
  fc.integer({ min: 0, max: 99999 }).map(String),
);

function globalDates(text: string): [number, string][] {
  const pattern = new RegExp(DATE.source, "gi");
  const found: [number, string][] = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text))
    found.push([match.index, match[0]]);
  return found;
}

describe("long-text shortcuts", () => {
  it("features by native searches equal features by the character loop", () => {
    fc.assert(
      fc.property(fc.array(featureChar, { maxLength: 80 }), (chars) => {
        const text = chars.join("");
        expect(featuresByScan(text)).toBe(featuresByLoop(text));
      }),
      { numRuns: RUNS },
    );
    // And on texts long enough to take the native route inside features().
    const prose = "Plain words and more plain words. ".repeat(40);
    for (const extra of ["", "ann@example.com", "a:b", "x_y", "a-b", "www.x", "7", "Élan", "\ud83d"])
      expect(featuresByScan(prose + extra)).toBe(featuresByLoop(prose + extra));
  });

  it("dates tried near digit runs are the dates of a global scan", () => {
    fc.assert(
      // Up to 200 pieces: enough digit runs to cross into the plain scan for text dense with numbers.
      fc.property(fc.array(datePiece, { maxLength: 200 }), (pieces) => {
        const text = pieces.join("");
        expect([...dates(text)].map((match) => [match.index, match[0]])).toEqual(globalDates(text));
      }),
      { numRuns: RUNS * 5 },
    );
    const text = "Born on September 3, 1990; seen 2024-05-01, 3/4/21 and 12th of March 1985. v1.2.3 ";
    expect([...dates(text)].map((match) => match[0])).toEqual([
      "September 3, 1990",
      "2024-05-01",
      "3/4/21",
      "12th of March 1985",
    ]);
    expect([...dates(text)].map((match) => [match.index, match[0]])).toEqual(globalDates(text));
    // Dense with numbers: past the first runs, the plain scan takes over (and only if the caller still wants it).
    const dense = `${"7 ".repeat(40)}born 1990-01-02, ${"12/12 ".repeat(20)}`;
    expect([...dates(dense)].map((match) => [match.index, match[0]])).toEqual(globalDates(dense));
    const datesBefore = `born 1990-01-02 and 3/4/21, ${"7 ".repeat(40)}then 5/6/22`;
    expect([...dates(datesBefore)].map((match) => match[0])).toEqual(["1990-01-02", "3/4/21", "5/6/22"]);
    expect([...dates(dense, () => false)]).toEqual([]);
  });

  it("a hint found from its anchor character is the hint a global scan finds, sparse or dense", () => {
    const source = "[:-][0-9A-Fa-f]{2}[:-]";
    const global = new RegExp(source, "g");
    const sticky = new RegExp(source, "y");
    const piece = fc.constantFrom(":", "-", "a", "0f", "ab", " ", "g", "::", "--", "x:", "e-");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 120 }), (pieces) => {
        const text = pieces.join("");
        const expected = new RegExp(source).test(text);
        expect(matchesAtAnchor(text, ":", sticky, global) || matchesAtAnchor(text, "-", sticky, global)).toBe(
          expected,
        );
      }),
      { numRuns: RUNS },
    );
    // Past 32 anchors the global scan takes over from the last one tried.
    expect(matchesAtAnchor(`${"x: ".repeat(100)}0a:`, ":", sticky, global)).toBe(false);
    expect(matchesAtAnchor(`${"x: ".repeat(100)}:0a:`, ":", sticky, global)).toBe(true);
  });

  it("UK postcodes and street addresses are found near digit runs, wherever the text puts them", () => {
    const places = (text: string) =>
      detect(text, { types: PII_TYPES })
        .filter((finding) => finding.type === "LOCATION")
        .map((finding) => text.slice(finding.start, finding.end));
    expect(places("Send it to SW1A 2AA or EC1A 1BB, not X1 2AB3 or ASW1A 2AA.")).toEqual([
      "SW1A 2AA",
      "EC1A 1BB",
    ]);
    const filler = "nothing to see here, just words. ".repeat(300);
    expect(places(`${filler}Ship to 12 Main Street, Springfield, IL 62704 and M1 1AE.${filler}`)).toEqual([
      "12 Main Street, Springfield, IL 62704",
      "M1 1AE",
    ]);
  });
});
