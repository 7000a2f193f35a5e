import { countrySpecs } from "ibantools";
import type { Detector } from "../types.js";
import { before, isRepeated, luhnValid, matches } from "./context.js";

const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)/g;
const CARD_CONTEXT = /card|visa|mastercard|amex|credit|debit|\bcc\b|payment|pan\b/;

/** Issuer prefix ranges and lengths (ISO/IEC 7812 as published by the networks). */
function issuerKnown(digits: string): boolean {
  const length = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits.startsWith("4")) return length === 13 || length === 16 || length === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return length === 16;
  if (p2 === 34 || p2 === 37) return length === 15;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925))
    return length >= 16 && length <= 19;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return length >= 14 && length <= 19;
  if (p4 >= 3528 && p4 <= 3589) return length >= 16 && length <= 19;
  if (p4 >= 2200 && p4 <= 2204) return length >= 16 && length <= 19;
  if (p2 === 62) return length >= 16 && length <= 19;
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return length >= 12 && length <= 19;
  return false;
}

/** Printed groupings of card numbers: 4-4-4-4(-1..3), Amex 4-6-5, Diners 4-6-4. */
function groupingValid(value: string): boolean {
  const separators = value.replace(/\d/g, "");
  if (separators.length === 0) return true;
  if (!isRepeated(separators)) return false;
  const groups = value.split(/[ -]/).map((group) => group.length);
  const shape = groups.join("-");
  return /^4-4-4-4(?:-[1-3])?$|^4-6-[45]$|^4-4-4-1$/.test(shape);
}

/** Card numbers: 13–19 digits, optional spaces or dashes in a printed grouping, Luhn-valid, known issuer. */
export const creditCardDetector: Detector = {
  type: "CREDIT_CARD",
  *detect(text) {
    for (const match of matches(CARD_CANDIDATE, text)) {
      const value = match[0];
      const digits = value.replace(/\D/g, "");
      if (isRepeated(digits) || !groupingValid(value) || !luhnValid(digits)) continue;
      const start = match.index;
      if (issuerKnown(digits)) yield { start, end: start + value.length, score: 0.95 };
      else if (CARD_CONTEXT.test(before(text, start, 32)))
        yield { start, end: start + value.length, score: 0.7 };
    }
  },
};

/**
 * A country code, check digits and up to 30 more letters or digits, compact or in groups of four (the last
 * group shorter), upper or lower case. Groups are separated by one space, so the scan stays linear.
 */
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){1,8}(?: ?[A-Za-z0-9]{1,3})?/g;

interface IbanFormat {
  length: number;
  bban: RegExp;
}
const specs = countrySpecs as Record<string, { chars?: number; bban_regexp?: string } | undefined>;
const IBAN_FORMATS = new Map<string, IbanFormat>();
for (const [country, spec] of Object.entries(specs)) {
  if (spec?.chars === undefined || spec.bban_regexp === undefined) continue;
  const source = spec.bban_regexp.startsWith("^") ? spec.bban_regexp : `^${spec.bban_regexp}`;
  IBAN_FORMATS.set(country, {
    length: spec.chars,
    bban: new RegExp(source.endsWith("$") ? source : `${source}$`),
  });
}

/** ISO 7064 mod 97-10 over the rearranged IBAN (BBAN, country, check digits), letters as 10–35. */
function mod97Valid(iban: string): boolean {
  let remainder = 0;
  for (let step = 0; step < iban.length; step++) {
    const code = iban.charCodeAt((step + 4) % iban.length);
    if (code >= 65) remainder = (remainder * 100 + code - 55) % 97;
    else remainder = (remainder * 10 + code - 48) % 97;
  }
  return remainder === 1;
}

/**
 * IBANs of every country in the SWIFT registry (ibantools' lengths and BBAN formats): compact or grouped in
 * fours, upper or lower case. The country's length and BBAN format and the ISO 7064 mod-97 check digits decide;
 * a failed *national* check digit is no reason to leave an account number readable, so it is not consulted.
 */
export const ibanDetector: Detector = {
  type: "IBAN",
  *detect(text) {
    for (const match of matches(IBAN_CANDIDATE, text)) {
      const value = match[0];
      const first = value.charCodeAt(0);
      const second = value.charCodeAt(1);
      // Country code in one case: "DE" or "de", not "De" (a word followed by digits).
      if (first >= 97 !== second >= 97) continue;
      const format = IBAN_FORMATS.get(value.slice(0, 2).toUpperCase());
      if (format === undefined) continue;
      // Whatever follows this IBAN (another IBAN printed right after it) is scanned again.
      IBAN_CANDIDATE.lastIndex = match.index + 1;
      // The candidate may run into a following code; keep exactly the country's length.
      let kept = 0;
      let end = 0;
      while (end < value.length && kept < format.length) {
        if (value.charCodeAt(end) !== 32) kept++;
        end++;
      }
      if (kept < format.length) continue;
      const next = text.charCodeAt(match.index + end);
      if ((next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122)) continue;
      const compact = value.slice(0, end).replace(/ /g, "").toUpperCase();
      if (!format.bban.test(compact.slice(4)) || !mod97Valid(compact)) continue;
      yield { start: match.index, end: match.index + end, score: 0.98 };
    }
  },
};

const SSN_CANDIDATE = /(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])/g;
const SSN_CONTEXT = /ssn|social security|social sec|ss#|ss no|taxpayer|\btin\b|itin/;

/**
 * US Social Security numbers under the SSA's rules: area not 000, 666 or 9xx; group not 00; serial not 0000;
 * and not the numbers famously used in advertising. Undashed or spaced numbers need a context word.
 */
export const usSsnDetector: Detector = {
  type: "US_SSN",
  *detect(text) {
    for (const match of matches(SSN_CANDIDATE, text)) {
      const area = match[1] ?? "";
      const group = match[3] ?? "";
      const serial = match[4] ?? "";
      if (area === "000" || area === "666" || area.startsWith("9")) continue;
      if (group === "00" || serial === "0000") continue;
      const compact = area + group + serial;
      if (compact === "078051120" || compact === "219099999" || compact === "123456789") continue;
      const context = SSN_CONTEXT.test(before(text, match.index, 40));
      if (match[2] !== "-" && !context) continue;
      yield { start: match.index, end: match.index + match[0].length, score: context ? 0.95 : 0.85 };
    }
  },
};
