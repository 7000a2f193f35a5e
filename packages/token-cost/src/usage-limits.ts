import type { TokenCounts } from "./types.js";

/**
 * The most tokens of one kind a single call can report. The largest context windows on offer are around 10
 * million tokens; a count past 100 million is a broken counter or a corrupted response, not something to bill.
 */
export const MAX_TOKENS_PER_CALL = 100_000_000;

/** The count fields of a call beyond {@link MAX_TOKENS_PER_CALL}, described for a record's `invalidUsage`. */
export function absurdCounts(tokens: TokenCounts): string[] {
  const absurd: string[] = [];
  for (const [field, count] of Object.entries(tokens) as [keyof TokenCounts, number][]) {
    if (field !== "totalTokens" && count > MAX_TOKENS_PER_CALL) absurd.push(field);
  }
  return absurd;
}
