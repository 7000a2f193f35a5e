import type { Detector } from "../types.js";
import { after, before, matches } from "./context.js";

const MONTH =
  "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
const DATE = new RegExp(
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

export const dateOfBirthDetector: Detector = {
  type: "DATE_OF_BIRTH",
  *detect(text) {
    // No birth word anywhere: no date can have one nearby.
    if (!BIRTH_HINTS.some((hint) => text.includes(hint)) || !BIRTH_WORD.test(text)) return;
    for (const match of matches(DATE, text)) {
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
