import { type TokenUsage, tokenCount } from "@chainwatch/core";
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

const PART_FIELDS = [
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
