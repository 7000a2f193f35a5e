import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { featuresByLoop, featuresByScan } from "../src/detect.js";
import { DATE, dates } from "../src/detectors/date-of-birth.js";

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
      fc.property(fc.array(datePiece, { maxLength: 40 }), (pieces) => {
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
  });
});
