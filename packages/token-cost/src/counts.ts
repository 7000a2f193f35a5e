import { type TokenUsage, tokenCount, usageFromMessage } from "@chainwatch/core";
import type { TokenCounts } from "./types.js";

/** All-zero counts. */
export function zeroCounts(): TokenCounts {
  return {
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    inputAudioTokens: 0,
    outputAudioTokens: 0,
    totalTokens: 0,
  };
}

/** Counts from core's normalised usage; unusable fields were already dropped there (and listed in `invalid`). */
export function countsFromUsage(usage: TokenUsage): TokenCounts {
  const inputTokens = usage.inputTokens ?? 0;
  const outputTokens = usage.outputTokens ?? 0;
  return {
    inputTokens,
    cacheReadTokens: usage.cacheReadTokens ?? 0,
    cacheWriteTokens: usage.cacheWriteTokens ?? 0,
    outputTokens,
    reasoningTokens: usage.reasoningTokens ?? 0,
    inputAudioTokens: usage.inputAudioTokens ?? 0,
    outputAudioTokens: usage.outputAudioTokens ?? 0,
    totalTokens: inputTokens + outputTokens,
  };
}

/** Every token count of a call, `totalTokens` aside (it is derived). */
export const PART_FIELDS = [
  "inputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "outputTokens",
  "reasoningTokens",
  "inputAudioTokens",
  "outputAudioTokens",
] as const;

/**
 * Counts from a caller's partial object (for `computeCost`); returns the fields that were unusable (NaN,
 * negative, not a number) so the caller can refuse to price them.
 */
export function countsFromPartial(partial: Partial<Omit<TokenCounts, "totalTokens">>): {
  counts: TokenCounts;
  invalid: string[];
} {
  const counts = zeroCounts();
  const invalid: string[] = [];
  const source = (typeof partial === "object" && partial !== null ? partial : {}) as Record<string, unknown>;
  for (const field of PART_FIELDS) {
    const raw = source[field];
    if (raw === undefined) continue;
    const count = tokenCount(raw);
    if (count === undefined) invalid.push(field);
    else counts[field] = count;
  }
  counts.totalTokens = counts.inputTokens + counts.outputTokens;
  return { counts, invalid };
}

/** Adds `from` into `into`. */
export function addCounts(into: TokenCounts, from: TokenCounts): void {
  into.inputTokens += from.inputTokens;
  into.cacheReadTokens += from.cacheReadTokens;
  into.cacheWriteTokens += from.cacheWriteTokens;
  into.outputTokens += from.outputTokens;
  into.reasoningTokens += from.reasoningTokens;
  into.inputAudioTokens += from.inputAudioTokens;
  into.outputAudioTokens += from.outputAudioTokens;
  into.totalTokens += from.totalTokens;
}

const SNAKE_FIELDS = [
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "input_token_details",
  "output_token_details",
];

/**
 * Counts from what {@link computeCost} was given: the documented camelCase shape, or LangChain's own
 * `UsageMetadata` (`message.usage_metadata`, snake_case). `problem` says why the object cannot be priced: not an
 * object, no input or output count, keys of neither shape, or unusable counts.
 */
export function countsFromAnyUsage(usage: unknown): { counts: TokenCounts; problem: string | undefined } {
  if (typeof usage !== "object" || usage === null || Array.isArray(usage)) {
    return { counts: zeroCounts(), problem: `usage must be an object, got ${String(usage)}` };
  }
  const keys = Object.keys(usage);
  if (keys.some((key) => SNAKE_FIELDS.includes(key))) {
    const unknown = keys.filter((key) => !SNAKE_FIELDS.includes(key));
    if (unknown.length > 0)
      return { counts: zeroCounts(), problem: `unknown usage field(s): ${unknown.join(", ")}` };
    const parsed = usageFromMessage({ usage_metadata: usage });
    if (parsed === undefined || (parsed.inputTokens === undefined && parsed.outputTokens === undefined)) {
      return {
        counts: zeroCounts(),
        problem: `missing input_tokens and output_tokens${parsed?.invalid.length ? ` (unusable: ${parsed.invalid.join(", ")})` : ""}`,
      };
    }
    if (parsed.invalid.length > 0) {
      return {
        counts: countsFromUsage(parsed),
        problem: `unusable token counts (NaN, negative or not a number): ${parsed.invalid.join(", ")}`,
      };
    }
    return { counts: countsFromUsage(parsed), problem: undefined };
  }
  const unknown = keys.filter(
    (key) => !(PART_FIELDS as readonly string[]).includes(key) && key !== "totalTokens",
  );
  if (unknown.length > 0) {
    return {
      counts: zeroCounts(),
      problem: `unknown usage field(s): ${unknown.join(", ")}; expected inputTokens/outputTokens (…) or LangChain's usage_metadata (input_tokens/output_tokens)`,
    };
  }
  const { counts, invalid } = countsFromPartial(usage);
  if (invalid.length > 0) {
    return {
      counts,
      problem: `unusable token counts (NaN, negative or not a number): ${invalid.join(", ")}`,
    };
  }
  const source = usage as Record<string, unknown>;
  if (source.inputTokens === undefined && source.outputTokens === undefined) {
    return { counts, problem: "missing inputTokens and outputTokens" };
  }
  return { counts, problem: undefined };
}
