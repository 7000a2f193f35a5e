import type { Detector } from "../types.js";
import { after, before, knownDigitRuns, nextDigitRun, rememberDigitRuns } from "./context.js";

const MONTH =
  "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
/** A date in any of the shapes people write; exported for the test that holds {@link dates} to its global scan. */
export const DATE = new RegExp(
  [
    "(?<![\\w/.-])(?:19|20)\\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\\d|3[01])(?![\\w/-]|\\.\\d)",
    "(?<![\\w/.-])\\d{1,2}[-/.]\\d{1,2}[-/.](?:\\d{4}|\\d{2})(?![\\w/-]|\\.\\d)",
    `\\b\\d{1,2}(?:st|nd|rd|th)?\\s(?:of\\s)?${MONTH}\\.?,?\\s(?:19|20)\\d{2}\\b`,
    `\\b${MONTH}\\.?\\s\\d{1,2}(?:st|nd|rd|th)?,?\\s(?:19|20)\\d{2}\\b`,
  ].join("|"),
  "gi",
);
const BIRTH_BEFORE = /born|birth|\bdob\b|d\.o\.b|b-day|bday|geboren|date de naissance|fecha de nacimiento/;
const BIRTH_AFTER = /^\W{0,3}(?:\(?dob\)?|\(?d\.o\.b|birthday|date of birth|\(born)/;

function plausible(value: string): boolean {
  const numbers = value.match(/\d+/g)?.map(Number) ?? [];
  if (numbers.length === 3) {
    const [a = 0, b = 0] = numbers;
    // Either day/month order must be a real calendar pair.
    if (a > 31 && (b < 1 || b > 12)) return false;
    if (a <= 31 && a > 12 && b > 12) return false;
  }
  return true;
}

/** Dates (ISO, numeric either order, "12 March 1990", "March 12, 1990") with a birth word nearby. */
const BIRTH_WORD = /born|birth|dob|d\.o\.b|bday|b-day|geboren|naissance|nacimiento/i;

/** Literals one of which every birth word holds (in any casing people write): cheaper than the regex. */
const BIRTH_HINTS = [
  "orn",
  "ORN",
  "irth",
  "IRTH",
  "dob",
  "Dob",
  "DOB",
  "o.b",
  "O.B",
  "bday",
  "Bday",
  "BDAY",
  "b-day",
  "B-day",
  "B-DAY",
  "ebor",
  "EBOR",
  "aissance",
  "acimiento",
];

/** Whether a birth word is anywhere in the text (the regex first: one native pass, cheaper than the literals). */
function hasBirthWord(text: string): boolean {
  return BIRTH_WORD.test(text) && BIRTH_HINTS.some((hint) => text.includes(hint));
}

/** {@link DATE}, sticky: tried only at the positions where a date can start. */
const DATE_AT = new RegExp(DATE.source, "iy");
/**
 * How far before its first digit a date can start: `September. 3, 1990` (a month, a dot and a space). Every
 * other shape starts at its first digit.
 */
const DATE_LEAD = 11;

/** {@link DATE}, global: the plain scan, for text dense with digit runs. */
const DATE_ALL = new RegExp(DATE.source, "gi");
/**
 * Text counts as dense with numbers once it holds more than {@link DENSE_RUNS} digit runs, one every
 * {@link DENSE_CHARS} characters or closer (tables, ids, logs): trying positions run by run then costs more than
 * the plain scan.
 */
const DENSE_RUNS = 32;
const DENSE_CHARS = 48;

/**
 * The matches of {@link DATE} over the text, as a global scan finds them, but tried only in the few positions
 * from {@link DATE_LEAD} characters before each digit run to its start (a date's first digit opens a run: a
 * boundary comes before it): prose with few digits costs one native digit search, not a month-name regex at
 * every word. Each position is tried at most once. On text dense with digit runs it goes on with the plain
 * scan, once `goOn()` (the caller's cheap reason to scan at all) says so.
 */
export function* dates(text: string, goOn: () => boolean = () => true): Generator<RegExpExecArray> {
  // No date starts before `free` (the end of the last one) or at a position already tried.
  let free = 0;
  const known = knownDigitRuns(text);
  // The runs read here, kept for the street and postcode search when the text is read to its end.
  const found: number[] = [];
  const run: [number, number] = [0, 0];
  for (let count = 0; ; count++) {
    if (known !== undefined) {
      if (2 * count >= known.length) return;
      run[0] = known[2 * count] as number;
      run[1] = known[2 * count + 1] as number;
    } else {
      if (!nextDigitRun(text, found.length === 0 ? 0 : (found[found.length - 1] as number), run)) break;
      found.push(run[0], run[1]);
    }
    const runStart = run[0];
    if (count >= DENSE_RUNS && count * DENSE_CHARS > runStart) {
      if (!goOn()) return;
      DATE_ALL.lastIndex = free;
      for (let match = DATE_ALL.exec(text); match !== null; match = DATE_ALL.exec(text)) yield match;
      return;
    }
    // A run that starts inside the last date opens none (a digit comes before it).
    for (let at = Math.max(free, runStart - DATE_LEAD); at <= runStart; at++) {
      DATE_AT.lastIndex = at;
      const match = DATE_AT.exec(text);
      free = at + 1;
      if (match === null) continue;
      free = at + match[0].length;
      yield match;
      break;
    }
  }
  rememberDigitRuns(text, found);
}

export const dateOfBirthDetector: Detector = {
  type: "DATE_OF_BIRTH",
  *detect(text) {
    // A birth word anywhere is looked for once, at the first date: a text with no date never pays for it.
    let birthWord: boolean | undefined;
    const anyBirthWord = () => {
      birthWord ??= hasBirthWord(text);
      return birthWord;
    };
    for (const match of dates(text, anyBirthWord)) {
      // No birth word anywhere: no date can have one nearby.
      if (!anyBirthWord()) return;
      const end = match.index + match[0].length;
      if (!plausible(match[0])) continue;
      // Context counts only within the sentence: "born in 1990. Meeting on 2024-05-01" is not a birth date.
      const sentence =
        before(text, match.index, 40)
          .split(/[.!?;\n]\s/)
          .pop() ?? "";
      if (!BIRTH_BEFORE.test(sentence) && !BIRTH_AFTER.test(after(text, end, 20))) continue;
      yield { start: match.index, end, score: 0.9 };
    }
  },
};
