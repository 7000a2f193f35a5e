import { createHmac } from "node:crypto";
import { type OptionShape, validateOptions } from "@chainwatch/core";
import { type DetectionPlan, planDetection, runDetection } from "./detect.js";
import { countByType, PiiDetectedError } from "./errors.js";
import { redactDeep } from "./redact-value.js";
import { StreamRedactor, type StreamRedactorOptions } from "./stream.js";
import type { Finding, PiiType, RedactionResult, RedactorOptions, Strategy } from "./types.js";

const STRATEGIES: readonly Strategy[] = ["redact", "mask", "hash", "block"];

/** Every option key of {@link createRedactor}: any other key throws, naming it (a typo must not go unnoticed). */
export const REDACTOR_OPTION_SHAPE: OptionShape = {
  types: true,
  detectors: true,
  // Keys are PII types, custom ones included: the values are checked below.
  strategies: true,
  defaultStrategy: true,
  hashKey: true,
  allow: true,
  minScore: true,
  phoneRegions: true,
  placeholder: true,
  maskKeep: true,
  maskChar: true,
};

/** Detects and replaces personal data with per-type strategies; build one with {@link createRedactor}. */
export interface Redactor {
  /** Findings in a text, sorted by start, non-overlapping. */
  detect(text: string): Finding[];
  /** The text with every finding replaced, and the findings (offsets into the original text). */
  redact(text: string): RedactionResult;
  /** Just the redacted text. */
  redactText(text: string): string;
  /**
   * A redacted deep copy of any value: messages (every content part), content-block arrays, tool-call args,
   * documents, generations, errors, plain objects. The input is not changed.
   */
  redactValue<T>(value: T): T;
  /** A redactor for one stream of text chunks (one per run): see {@link StreamRedactor}. */
  stream(options?: StreamRedactorOptions): StreamRedactor;
}

function normalisedForHash(type: PiiType, value: string): string {
  switch (type) {
    case "EMAIL":
      return value.toLowerCase();
    case "CREDIT_CARD":
    case "IBAN":
    case "PHONE":
    case "US_SSN":
      return value.replace(/[\s().-]/g, "").toUpperCase();
    default:
      return value;
  }
}

/**
 * An inline image or file (`data:…;base64,…`): there is no text to find values in, and scanning megabytes of
 * base64 for every callback would be the most expensive thing the redactor does.
 */
function isBase64DataUrl(text: string): boolean {
  if (!text.startsWith("data:")) return false;
  const marker = text.indexOf(";base64,");
  return marker !== -1 && marker < 128 && !/\s/.test(text.slice(marker, marker + 4096));
}

function maskValue(value: string, keep: number, char: string): string {
  let kept = 0;
  const out: string[] = [];
  for (let index = value.length - 1; index >= 0; index--) {
    const current = value.charAt(index);
    if (/[A-Za-z0-9]/.test(current)) {
      out.push(kept < keep ? current : char);
      kept++;
    } else out.push(current);
  }
  return out.reverse().join("");
}

function validate(options: RedactorOptions): void {
  const strategies = Object.entries(options.strategies ?? {});
  for (const [type, strategy] of strategies) {
    if (!STRATEGIES.includes(strategy as Strategy)) {
      throw new TypeError(`Unknown strategy "${String(strategy)}" for ${type}; use ${STRATEGIES.join(", ")}`);
    }
  }
  const fallback = options.defaultStrategy ?? "redact";
  if (!STRATEGIES.includes(fallback)) {
    throw new TypeError(`Unknown defaultStrategy "${String(fallback)}"; use ${STRATEGIES.join(", ")}`);
  }
  const usesHash = fallback === "hash" || strategies.some(([, strategy]) => strategy === "hash");
  if (usesHash) {
    const key = options.hashKey;
    if (key === undefined) {
      throw new TypeError(
        "The hash strategy needs a hashKey: an unsalted hash of an email or card is reversible",
      );
    }
    if (key.length < 16)
      throw new RangeError(`hashKey must be at least 16 characters/bytes, got ${key.length}`);
  }
  const keep = options.maskKeep ?? 4;
  if (!Number.isInteger(keep) || keep < 0)
    throw new RangeError(`maskKeep must be an integer ≥ 0, got ${keep}`);
  if (options.maskChar !== undefined && [...options.maskChar].length !== 1) {
    throw new RangeError(`maskChar must be one character, got "${options.maskChar}"`);
  }
}

/**
 * Builds a redactor: the detectors and strategies are compiled once.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ strategies: { CREDIT_CARD: "mask", EMAIL: "hash" }, hashKey: process.env.PII_KEY });
 * redactor.redactText("card 4111 1111 1111 1111, mail ann@example.com");
 * // "card **** **** **** 1111, mail [EMAIL:6c1f0e9a2b7d]"
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  validateOptions("createRedactor", options, REDACTOR_OPTION_SHAPE);
  validate(options);
  const plan: DetectionPlan = planDetection(options);
  const strategies = options.strategies ?? {};
  const fallback = options.defaultStrategy ?? "redact";
  const placeholder = options.placeholder ?? ((type: PiiType) => `[${type}]`);
  const keep = options.maskKeep ?? 4;
  const maskChar = options.maskChar ?? "*";
  const hashKey = options.hashKey;
  const strategyOf = (type: PiiType): Strategy => strategies[type] ?? fallback;

  const replacement = (finding: Finding, value: string): string => {
    switch (strategyOf(finding.type)) {
      case "mask":
        return maskValue(value, keep, maskChar);
      case "hash": {
        const digest = createHmac("sha256", hashKey as string | Uint8Array)
          .update(`${finding.type}\u0000${normalisedForHash(finding.type, value)}`)
          .digest("hex");
        return `[${finding.type}:${digest.slice(0, 12)}]`;
      }
      default:
        return placeholder(finding.type);
    }
  };

  const apply = (text: string, findings: readonly Finding[], from = 0, to = text.length): string => {
    const blocked = findings.filter((finding) => strategyOf(finding.type) === "block");
    if (blocked.length > 0) throw new PiiDetectedError(countByType(blocked));
    let out = "";
    let cursor = from;
    for (const finding of findings) {
      out += text.slice(cursor, finding.start) + replacement(finding, text.slice(finding.start, finding.end));
      cursor = finding.end;
    }
    return out + text.slice(cursor, to);
  };

  // No built-in value is shorter than 6 characters ("a@b.co"): role names, ids and single tokens skip the scan.
  const minLength = (options.detectors ?? []).length > 0 ? 1 : 6;
  const detect = (text: string): Finding[] => {
    if (text.length < minLength || isBase64DataUrl(text)) return [];
    return runDetection(plan, text);
  };
  const redactText = (text: string): string => {
    const findings = detect(text);
    return findings.length === 0 ? text : apply(text, findings);
  };

  return {
    detect,
    redact(text) {
      const findings = detect(text);
      return { text: findings.length === 0 ? text : apply(text, findings), findings };
    },
    redactText,
    redactValue<T>(value: T): T {
      return redactDeep(value, redactText) as T;
    },
    stream(streamOptions) {
      return new StreamRedactor(detect, apply, streamOptions);
    },
  };
}

let defaultRedactor: Redactor | undefined;

function redactorFor(options: RedactorOptions | undefined): Redactor {
  if (options !== undefined) return createRedactor(options);
  defaultRedactor ??= createRedactor();
  return defaultRedactor;
}

/** Findings `{ type, start, end, score }` in a text. Options compile per call; reuse {@link createRedactor}. */
export function detect(text: string, options?: RedactorOptions): Finding[] {
  return redactorFor(options).detect(text);
}

/** Redacts a text: `{ text, findings }`. */
export function redact(text: string, options?: RedactorOptions): RedactionResult {
  return redactorFor(options).redact(text);
}

/** A redacted deep copy of any value (messages, content blocks, tool-call args, documents, errors, objects). */
export function redactValue<T>(value: T, options?: RedactorOptions): T {
  return redactorFor(options).redactValue(value);
}
