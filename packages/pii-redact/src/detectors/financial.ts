import { countrySpecs, isValidIBAN } from "ibantools";
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

const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?/g;

/** IBANs: the country's length and BBAN format, and the ISO 7064 mod-97 check digits (via ibantools). */
export const ibanDetector: Detector = {
  type: "IBAN",
  *detect(text) {
    for (const match of matches(IBAN_CANDIDATE, text)) {
      const value = match[0];
      const country = value.slice(0, 2);
      const length = (countrySpecs as Record<string, { chars?: number } | undefined>)[country]?.chars;
      if (length === undefined) continue;
      // The candidate may run into a following code; keep exactly the country's length.
      let kept = 0;
      let end = 0;
      while (end < value.length && kept < length) {
        if (value.charCodeAt(end) !== 32) kept++;
        end++;
      }
      if (kept < length) continue;
      const next = text.charCodeAt(match.index + end);
      if (!Number.isNaN(next) && /[A-Za-z0-9]/.test(String.fromCharCode(next))) continue;
      if (!isValidIBAN(value.slice(0, end).replace(/ /g, ""))) continue;
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
