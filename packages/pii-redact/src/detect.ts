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
  };
}

/**
 * Runs every detector and keeps the best non-overlapping findings: highest score first, then the longer span
 * (a credential URL beats the URL, a card beats the phone-shaped digits inside it). Sorted by start.
 */
export function runDetection(plan: DetectionPlan, text: string): Finding[] {
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
  candidates.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken = new Uint8Array(text.length);
  const kept: Finding[] = [];
  for (const finding of candidates) {
    let free = true;
    for (let index = finding.start; index < finding.end; index++) {
      if (taken[index] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, finding.start, finding.end);
    kept.push(finding);
  }
  return kept.sort((a, b) => a.start - b.start);
}
