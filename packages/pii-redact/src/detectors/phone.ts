import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Detector } from "../types.js";
import { after, before, matches } from "./context.js";

/**
 * A run of digit groups, each separated by one space, dot or dash, with an optional `+country` and `(area)`.
 * Separators are mandatory between groups, so each group is one maximal digit run and the regex cannot
 * backtrack combinatorially.
 */
const CANDIDATE =
  /(?:\+\d{1,3}[ .-]?)?(?:\d{1,2} ?\(\d{1,5}\)[ .-]?|\(\d{1,5}\)[ .-]?)?\d{1,12}(?:[ .-]\d{1,12}){0,6}(?![\w/:-]|[.,]\d)/g;

/**
 * A national number without a phone word nearby needs an unmistakable phone layout: `(area) …`, the US
 * `415-555-2671`, or a trunk `0` and groups (`030 901820 45`, `06 12 34 56 78`). Plain digit groups
 * (`873 815 289`) are references, counts and ids far more often than phones.
 */
const PHONE_LAYOUT =
  /^(?:\(\d{2,5}\)[ .-]?\d{2,5}(?:[ .-]\d{2,5}){0,3}|\d{3}([-.])\d{3}\1\d{4}|0\d{1,4}(?:[ .-]\d{2,8}){1,4})$/;
/** `617.980.5098` is a US number; other dotted digit runs are versions. */
const US_DOTTED = /^\d{3}\.\d{3}\.\d{4}$/;
/** The tail of an IBAN printed in groups: its digit groups are not a phone number. */
const IBAN_BEFORE = /\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){0,3} ?$/;
const DATE_SHAPE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const IPV4_SHAPE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const VERSION_SHAPE = /^\d+(?:\.\d+)+$/;
/** The printed SSN layout: a number in it is a phone only with a phone word nearby. */
const SSN_SHAPE = /^\d{3}-\d{2}-\d{4}$/;
const PHONE_CONTEXT =
  /phone|call|tel\b|tel[.:]|mobile|cell|fax|contact|reach|whatsapp|signal|sms|text me|ring|dial|number|hotline|landline|telefon|téléphone|portable|teléfono|móvil|movil|celular|cellulare|telefono|numero|número|nummer|handy|rückruf|appel|llam|chiam|bel me|zadzwoń/;
/** Words that name a phone (not merely "number"): enough for a four- or five-digit number. */
const STRONG_PHONE_CONTEXT =
  /(?:phone|tel\b|tel[.:]|mobile|cell|whatsapp|signal|sms|ring|dial|call|telefon|téléphone|portable|teléfono|móvil|celular|cellulare|handy|rückruf|llam|chiam|bel me)[^a-z]{0,4}(?:[a-z]+[^a-z]{1,3}){0,3}$/;
const NOT_PHONE_CONTEXT =
  /(?:order|invoice|ticket|#|\bid\b|\bno\.|\bref|account|acct|version|build|sku|isbn|tracking|serial|iban|card|ssn|social security|routing|po box|zip|\blot|batch|part|model|case|claim|policy|\bpo\b|rejected|\bextension|\bext\.?)[^a-z]{0,12}$/;

/** Default regions whose national formats are recognised. */
export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = [
  "US",
  "GB",
  "DE",
  "FR",
  "IN",
  "AU",
  "CA",
  "ES",
  "IT",
  "NL",
];

function digitCount(value: string): number {
  let count = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 48 && code <= 57) count++;
  }
  return count;
}

function isRepeatedDigits(value: string): boolean {
  const digits = value.replace(/\D/g, "");
  return /^(\d)\1+$/.test(digits);
}

/**
 * Phone numbers, validated by libphonenumber-js (full metadata: number lengths and ranges per region).
 * International numbers (`+44 …`) are always checked; national ones against `regions`, and only when laid out
 * like a phone number or next to a word like "call" or "phone".
 */
export function phoneDetector(regions: readonly CountryCode[] = DEFAULT_PHONE_REGIONS): Detector {
  return {
    type: "PHONE",
    *detect(text) {
      for (const match of matches(CANDIDATE, text)) {
        const value = match[0];
        // Starts a token (checked here rather than by a lookbehind, which slows the scan of every position).
        const previous = match.index > 0 ? text.charAt(match.index - 1) : " ";
        // `tel:+49…`: a colon may precede an international number, nothing word-like may.
        if (/[\w+.,/:-]/.test(previous) && !(previous === ":" && value.startsWith("+"))) continue;
        const digits = digitCount(value);
        if (digits < 4 || digits > 15) continue;
        if (DATE_SHAPE.test(value) || IPV4_SHAPE.test(value)) continue;
        const start = match.index;
        const end = start + value.length;
        const context = before(text, start, 32);
        if (NOT_PHONE_CONTEXT.test(context)) continue;
        const hasContext = PHONE_CONTEXT.test(context) || /phone|mobile|cell|fax/.test(after(text, end, 16));
        if (value.startsWith("+")) {
          // A `+country` number counts when it is possible for its region (right length), even when its area
          // code is not assigned today: erring toward redacting. One digit repeated is a placeholder.
          const parsed = parsePhoneNumberFromString(value);
          if (parsed?.isPossible() && !isRepeatedDigits(parsed.nationalNumber))
            yield { start, end, score: 0.9 };
          continue;
        }
        if (IBAN_BEFORE.test(context)) continue;
        if (((VERSION_SHAPE.test(value) && !US_DOTTED.test(value)) || SSN_SHAPE.test(value)) && !hasContext)
          continue;
        if (hasContext) {
          // With a phone word nearby, a national number of any region counts: 4 to 13 digits, not a date, an
          // IP or a version (checked above).
          // Four- and five-digit numbers (Tokelau, Saint Helena, the Falklands…) only after a word that names a
          // phone, not after "number".
          const short = digits <= 5 && !STRONG_PHONE_CONTEXT.test(context);
          if (!short && digits <= 13 && !isRepeatedDigits(value)) yield { start, end, score: 0.8 };
          continue;
        }
        if (!PHONE_LAYOUT.test(value)) continue;
        for (const region of regions) {
          if (parsePhoneNumberFromString(value, region)?.isValid()) {
            yield { start, end, score: 0.7 };
            break;
          }
        }
      }
    },
  };
}
