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
  allow: (value: string) => boolean;
  minScore: number;
  /**
   * One cheap test that every built-in value needs to pass (a digit, `@`, `:`, a key word, a capital letter when
   * PERSON or LOCATION is on…): text without any is returned untouched before a detector runs. Undefined when a
   * custom detector is configured (we cannot know what it needs).
   */
  prefilter: ((text: string) => boolean) | undefined;
}

/**
 * What each built-in type needs somewhere in the text. Each is a necessary condition, checked against the
 * detectors' own candidates: every card, IBAN, phone, IP, SSN and date has a digit; every email an `@`; every
 * URL `://` or `www.`; MACs and IPv6 a colon, a dash or dotted hex; every key either a digit, a provider prefix,
 * a PEM header or a key word.
 */
const NEEDS: Record<BuiltInPiiType, string> = {
  EMAIL: "@",
  PHONE: "\\d",
  CREDIT_CARD: "\\d",
  IBAN: "\\d",
  IP_ADDRESS: "\\d|:",
  MAC_ADDRESS: "\\d|[:-][0-9a-f]{2}[:-]|\\.[0-9a-f]{4}\\.",
  US_SSN: "\\d",
  API_KEY:
    "\\d|key|token|secret|pass|pwd|bearer|sk-|akia|asia|abia|acca|a3t|_live_|_test_|xox|gh[pousr]_|github_pat_|aiza|gocspx|ya29|glpat|npm_|hf_|eyj|-----begin|:\\/\\/",
  URL: ":\\/\\/|www\\.",
  DATE_OF_BIRTH: "\\d",
  PERSON: "",
  LOCATION: "\\d",
};

/** PERSON and LOCATION need a capital letter (tested case-sensitively, apart from the rest). */
const CAPITAL = /\p{Lu}/u;

function prefilterFor(types: readonly BuiltInPiiType[]): (text: string) => boolean {
  const parts = [...new Set(types.flatMap((type) => NEEDS[type].split("|")))].filter((part) => part !== "");
  const needs = parts.length === 0 ? /(?!)/ : new RegExp(parts.join("|"), "i");
  if (!types.includes("PERSON") && !types.includes("LOCATION")) return (text) => needs.test(text);
  return (text) => needs.test(text) || CAPITAL.test(text);
}

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
  return {
    detectors: [...new Set(types)]
      .map((type) => builtInDetector(type, regions))
      .concat(options.detectors ?? []),
    allow: allowList(options.allow ?? []),
    minScore,
    prefilter: (options.detectors ?? []).length > 0 ? undefined : prefilterFor([...new Set(types)]),
  };
}

/**
 * Runs every detector and merges overlapping findings into one span: the union of the overlapping spans, typed
 * by the best of them (highest score, then the longer), so a URL holding a token is redacted once, whole, and a
 * card number is not also reported as the phone-shaped digits inside it. Sorted by start.
 */
export function runDetection(plan: DetectionPlan, text: string): Finding[] {
  if (plan.prefilter !== undefined && !plan.prefilter(text)) return [];
  const candidates: Finding[] = [];
  for (const detector of plan.detectors) {
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
