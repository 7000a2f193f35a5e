import type { CountryCode } from "libphonenumber-js";

/** The kinds of personal data and secrets the built-in detectors find. */
export const PII_TYPES = [
  "EMAIL",
  "PHONE",
  "CREDIT_CARD",
  "IBAN",
  "IP_ADDRESS",
  "MAC_ADDRESS",
  "US_SSN",
  "API_KEY",
  "URL",
  "DATE_OF_BIRTH",
  "PERSON",
  "LOCATION",
] as const;

/** A built-in type. */
export type BuiltInPiiType = (typeof PII_TYPES)[number];

/** A built-in type, or the type of a custom detector. */
export type PiiType = BuiltInPiiType | (string & {});

/** Types detected unless `types` says otherwise. PERSON and LOCATION are opt-in: heuristic, and they cost speed. */
export const DEFAULT_TYPES: readonly BuiltInPiiType[] = PII_TYPES.filter(
  (type) => type !== "PERSON" && type !== "LOCATION",
);

/** One value found in a text: `text.slice(start, end)` is the value. */
export interface Finding {
  type: PiiType;
  /** Offset of the first character (UTF-16 code units). */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** Confidence in [0, 1]: checksums and context words raise it. */
  score: number;
}

/** A candidate a detector reports; the type defaults to the detector's. */
export interface DetectorMatch {
  start: number;
  end: number;
  score: number;
  type?: PiiType;
}

/**
 * A detector: built-in or custom. `detect` must run in linear time on any input (bound every repetition, no nested
 * quantifiers over overlapping classes) and must be local: whether a value is found may depend on at most
 * {@link MAX_CONTEXT_CHARS} characters around it, which is what lets streamed text be redacted exactly like
 * whole text.
 */
export interface Detector {
  /** The type of what it finds. */
  type: PiiType;
  /** A name for reports. @default type */
  name?: string;
  detect(text: string): Iterable<DetectorMatch>;
}

/** How a found value is replaced. */
export type Strategy =
  /** `[EMAIL]`-style placeholder. */
  | "redact"
  /** Every letter and digit but the last four becomes `*`; separators stay. */
  | "mask"
  /** `[EMAIL:3f9c0a1b2d4e]`: a keyed HMAC-SHA256, stable for one key so values can be correlated. */
  | "hash"
  /** Refuse the text: redaction throws a `PiiDetectedError` naming the types (never the values). */
  | "block";

/** A value never redacted: an exact string (case-insensitive) or a pattern tested against the whole value. */
export type AllowEntry = string | RegExp;

/** Options of {@link detect}, {@link redact} and {@link createRedactor}. */
export interface RedactorOptions {
  /**
   * Built-in types to detect. PERSON and LOCATION are heuristic (titles, cue phrases, street addresses) and
   * opt-in.
   * @default every built-in type except PERSON and LOCATION
   */
  types?: readonly BuiltInPiiType[];
  /** Extra detectors, run after the built-in ones. @default [] */
  detectors?: readonly Detector[];
  /** Strategy for each type; types not listed use `defaultStrategy`. @default {} */
  strategies?: Partial<Record<PiiType, Strategy>>;
  /** Strategy for types not in `strategies`. @default "redact" */
  defaultStrategy?: Strategy;
  /**
   * Key of the `hash` strategy (at least 16 characters or bytes). Required when any strategy is `hash`: an
   * unsalted hash of an email or a card number is reversible by brute force.
   */
  hashKey?: string | Uint8Array;
  /** Values that are never redacted (your support address, test cards, …). @default [] */
  allow?: readonly AllowEntry[];
  /** Findings scoring below this are dropped. @default 0.5 */
  minScore?: number;
  /**
   * Regions whose national phone formats are recognised (international `+…` numbers always are).
   * @default ["US", "GB", "DE", "FR", "IN", "AU", "CA", "ES", "IT", "NL"]
   */
  phoneRegions?: readonly CountryCode[];
  /** Placeholder of the `redact` strategy. @default (type) => `[${type}]` */
  placeholder?: (type: PiiType) => string;
  /** Characters kept at the end of a value by the `mask` strategy. @default 4 */
  maskKeep?: number;
  /** Character the `mask` strategy writes. @default "*" */
  maskChar?: string;
}

/** The result of redacting a text. */
export interface RedactionResult {
  text: string;
  findings: Finding[];
}
