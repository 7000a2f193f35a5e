import type { CountryCode } from "libphonenumber-js";
import { dateOfBirthDetector } from "./detectors/date-of-birth.js";
import { emailDetector } from "./detectors/email.js";
import { creditCardDetector, ibanDetector, usSsnDetector } from "./detectors/financial.js";
import { ipAddressDetector, macAddressDetector } from "./detectors/network.js";
import { locationDetector, personDetector } from "./detectors/person-location.js";
import { DEFAULT_PHONE_REGIONS, phoneDetector } from "./detectors/phone.js";
import { apiKeyDetector } from "./detectors/secrets.js";
import { urlDetector } from "./detectors/url.js";
import {
  type AllowEntry,
  type BuiltInPiiType,
  DEFAULT_TYPES,
  type Detector,
  type Finding,
  PII_TYPES,
  type RedactorOptions,
} from "./types.js";

function builtInDetector(type: BuiltInPiiType, phoneRegions: readonly CountryCode[]): Detector {
  switch (type) {
    case "EMAIL":
      return emailDetector;
    case "PHONE":
      return phoneDetector(phoneRegions);
    case "CREDIT_CARD":
      return creditCardDetector;
    case "IBAN":
      return ibanDetector;
    case "IP_ADDRESS":
      return ipAddressDetector;
    case "MAC_ADDRESS":
      return macAddressDetector;
    case "US_SSN":
      return usSsnDetector;
    case "API_KEY":
      return apiKeyDetector;
    case "URL":
      return urlDetector;
    case "DATE_OF_BIRTH":
      return dateOfBirthDetector;
    case "PERSON":
      return personDetector;
    case "LOCATION":
      return locationDetector;
  }
}

/** Detection compiled from options once, reused for every text. */
export interface DetectionPlan {
  detectors: readonly Detector[];
  /**
   * For each detector, the characters one of which every value it finds contains (a bit set of {@link features});
   * 0 for custom detectors (always run). A text lacking all of them skips the detector without a scan.
   */
  needs: readonly number[];
  /** The union of `needs`. */
  anyNeed: number;
  /** Whether API_KEY is on (key words are looked for). */
  keywords: boolean;
  /** Whether PERSON or LOCATION is on (capitals are looked for). */
  names: boolean;
  allow: (value: string) => boolean;
  minScore: number;
}

const DIGIT = 1;
const AT = 2;
const COLON = 4;
const UPPER = 8;
const DOT = 16;
const DASH = 32;
const WORDY = 64;
const KEY_WORD = 128;

/**
 * One pass over the text's character codes: which kinds of character it holds. Cheaper than any regex, and it
 * rules out most detectors for most short strings before they scan. Non-ASCII letters count as capitals (they
 * may be), and `_`, `=`, `/`, `-` as signs of a key or token.
 */
export function features(text: string): number {
  return text.length < LONG_TEXT_CHARS ? featuresByLoop(text) : featuresByScan(text);
}

/**
 * From this length on, {@link features} asks one native search per kind of character instead of reading every
 * character in JavaScript: each search stops at its first hit, and long text holds most kinds early on, so the
 * cost is a few absent kinds scanned natively (single characters by memchr) rather than a JS loop over the text.
 */
const LONG_TEXT_CHARS = 1024;
const ANY_DIGIT = /[0-9]/;
/** Code units, as the loop reads them (no `u` flag): any unit from U+00C0 up may belong to a capital. */
const ANY_UPPER = /[A-Z\u00c0-\uffff]/;
const ANY_WORDY = /[_=/]/;
const TOKEN_DOT = /\.[0-9A-Za-z]/;

/** {@link features} by native searches: the same bits as {@link featuresByLoop} (a test holds them equal). */
export function featuresByScan(text: string): number {
  let found = 0;
  if (ANY_DIGIT.test(text)) found |= DIGIT;
  if (ANY_UPPER.test(text)) found |= UPPER;
  if (text.includes("@")) found |= AT;
  if (text.includes(":")) found |= COLON;
  if (TOKEN_DOT.test(text)) found |= DOT;
  if (text.includes("-")) found |= DASH;
  if (ANY_WORDY.test(text)) found |= WORDY;
  return found;
}

/** {@link features} by one JavaScript pass: the cheapest route for short strings. */
export function featuresByLoop(text: string): number {
  let found = 0;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 97 && code <= 122) || code === 32) continue;
    if (code >= 48 && code <= 57) found |= DIGIT;
    else if (code >= 65 && code <= 90) found |= UPPER;
    else if (code === 64) found |= AT;
    else if (code === 58) found |= COLON;
    else if (code === 46) {
      // Only a dot inside a token (`www.x`, `a.b.c`), not a full stop.
      const next = text.charCodeAt(index + 1);
      if ((next >= 48 && next <= 57) || ((next | 32) >= 97 && (next | 32) <= 122)) found |= DOT;
    } else if (code === 45) found |= DASH;
    else if (code === 95 || code === 61 || code === 47) found |= WORDY;
    else if (code >= 0xc0) found |= UPPER;
  }
  return found;
}

/**
 * Any character a structured value needs (digit, `@`, `:`, `_`, `=`, `/`, `-`), or a dot inside a token: two
 * regexes, because one with the alternation tries both branches at every position (twice the cost on prose).
 */
const STRUCTURED_CHAR = /[0-9@:_=/-]/;
/** Key words, case-insensitive (written out: far faster than the `i` flag). */
const KEY_WORDS =
  /[Kk][Ee][Yy]|[Tt][Oo][Kk][Ee][Nn]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Pp][Aa][Ss][Ss]|[Pp][Ww][Dd]|[Bb][Ee][Aa][Rr][Ee][Rr]/;
/** ` is ` or ` was `: one regex is several times cheaper than two substring searches led by a space. */
const IS_OR_WAS = / (?:is|was) /;
/** A capital letter (or any letter beyond ASCII, which may be one). */
const CAPITAL = /[A-Z\u00c0-\uffff]/;

/**
 * The features of a text, by the cheapest route: plain prose (lower-case words, spaces, full stops, commas) is
 * settled by two or three native regex scans; only text holding a structured character gets the full pass.
 */
function featuresOf(plan: DetectionPlan, text: string): number {
  // Every structured character is one API_KEY needs too: the full pass says all.
  if (STRUCTURED_CHAR.test(text) || TOKEN_DOT.test(text)) return features(text);
  let present = plan.names && CAPITAL.test(text) ? UPPER : 0;
  // Without `:` or `=`, a key's value follows "is"/"was" (`my password is …`) or "Bearer".
  if (plan.keywords && (text.includes("Bearer") || (IS_OR_WAS.test(text) && KEY_WORDS.test(text))))
    present |= KEY_WORD;
  return present;
}

/**
 * What every value of a built-in type contains, at least one of: every card, IBAN, phone, SSN and date a digit;
 * every email an `@`; every URL `:` (`://`) or `.` (`www.`); MACs and IPv6 addresses a digit or a separator;
 * names and places a capital letter; keys a digit, a separator or a key word (an all-letter `AKIA…` key with no
 * digit in a text with no digit, dash or key word is the one exception).
 */
const NEEDS: Record<BuiltInPiiType, number> = {
  EMAIL: AT,
  PHONE: DIGIT,
  CREDIT_CARD: DIGIT,
  IBAN: DIGIT,
  IP_ADDRESS: DIGIT | COLON,
  MAC_ADDRESS: COLON | DASH | DOT,
  US_SSN: DIGIT,
  API_KEY: DIGIT | AT | COLON | DOT | DASH | WORDY | KEY_WORD,
  URL: COLON | DOT,
  DATE_OF_BIRTH: DIGIT,
  PERSON: UPPER,
  LOCATION: UPPER | DIGIT,
};

function allowList(entries: readonly AllowEntry[]): (value: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    if (typeof entry === "string") exact.add(entry.toLowerCase());
    else if (entry instanceof RegExp)
      patterns.push(new RegExp(entry.source, entry.flags.replace(/[gy]/g, "")));
    else throw new TypeError(`allow entries must be strings or RegExps, got ${String(entry)}`);
  }
  if (exact.size === 0 && patterns.length === 0) return () => false;
  return (value) => exact.has(value.toLowerCase()) || patterns.some((pattern) => pattern.test(value));
}

/** Validates detection options (loudly, with the bad value) and compiles them. */
export function planDetection(options: RedactorOptions = {}): DetectionPlan {
  const types = options.types ?? DEFAULT_TYPES;
  for (const type of types) {
    if (!(PII_TYPES as readonly string[]).includes(type)) {
      throw new TypeError(`Unknown PII type "${type}"; built-in types are ${PII_TYPES.join(", ")}`);
    }
  }
  for (const detector of options.detectors ?? []) {
    if (typeof detector?.detect !== "function" || typeof detector.type !== "string" || detector.type === "") {
      throw new TypeError(
        `A custom detector needs a type and a detect(text) function, got ${String(detector)}`,
      );
    }
  }
  const minScore = options.minScore ?? 0.5;
  if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`minScore must be in [0, 1], got ${minScore}`);
  const regions = options.phoneRegions ?? DEFAULT_PHONE_REGIONS;
  const builtIn = [...new Set(types)];
  const custom = options.detectors ?? [];
  const needs = builtIn.map((type) => NEEDS[type]).concat(custom.map(() => -1));
  return {
    detectors: builtIn.map((type) => builtInDetector(type, regions)).concat(custom),
    needs,
    anyNeed: needs.reduce((union, need) => union | need, 0),
    keywords: builtIn.includes("API_KEY"),
    names: builtIn.includes("PERSON") || builtIn.includes("LOCATION"),
    allow: allowList(options.allow ?? []),
    minScore,
  };
}

/**
 * Runs every detector and merges overlapping findings into one span: the union of the overlapping spans, typed
 * by the best of them (highest score, then the longer), so a URL holding a token is redacted once, whole, and a
 * card number is not also reported as the phone-shaped digits inside it. Sorted by start.
 */
export function runDetection(plan: DetectionPlan, text: string): Finding[] {
  // A custom detector (need -1) always runs: we cannot know what it looks for.
  const present = plan.anyNeed === -1 ? -1 : featuresOf(plan, text);
  if ((present & plan.anyNeed) === 0) return [];
  const candidates: Finding[] = [];
  for (let which = 0; which < plan.detectors.length; which++) {
    if ((present & (plan.needs[which] as number)) === 0) continue;
    const detector = plan.detectors[which] as Detector;
    for (const match of detector.detect(text)) {
      if (match.score < plan.minScore || match.end <= match.start) continue;
      const start = Math.max(0, match.start);
      const end = Math.min(text.length, match.end);
      if (plan.allow(text.slice(start, end))) continue;
      candidates.push({ type: match.type ?? detector.type, start, end, score: match.score });
    }
  }
  if (candidates.length < 2) return candidates;
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  let current = candidates[0] as Finding;
  let bestLength = current.end - current.start;
  for (let index = 1; index < candidates.length; index++) {
    const next = candidates[index] as Finding;
    if (next.start >= current.end) {
      kept.push(current);
      current = next;
      bestLength = next.end - next.start;
      continue;
    }
    const length = next.end - next.start;
    if (next.score > current.score || (next.score === current.score && length > bestLength)) {
      current.type = next.type;
      current.score = next.score;
      bestLength = length;
    }
    if (next.end > current.end) current.end = next.end;
  }
  kept.push(current);
  return kept;
}
