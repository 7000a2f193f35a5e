import { PART_FIELDS } from "./counts.js";
import type { TokenCounts } from "./types.js";

/**
 * The most tokens of one kind a single call can report. The largest context windows on offer are around 10
 * million tokens; a count past 100 million is a broken counter or a corrupted response, not something to bill.
 */
export const MAX_TOKENS_PER_CALL = 100_000_000;

/** The count fields of a call beyond {@link MAX_TOKENS_PER_CALL}, for a record's `invalidUsage` (on every call: no allocation when none). */
export function absurdCounts(tokens: TokenCounts): string[] {
  if (
    tokens.inputTokens <= MAX_TOKENS_PER_CALL &&
    tokens.outputTokens <= MAX_TOKENS_PER_CALL &&
    tokens.cacheReadTokens <= MAX_TOKENS_PER_CALL &&
    tokens.cacheWriteTokens <= MAX_TOKENS_PER_CALL &&
    tokens.reasoningTokens <= MAX_TOKENS_PER_CALL &&
    tokens.inputAudioTokens <= MAX_TOKENS_PER_CALL &&
    tokens.outputAudioTokens <= MAX_TOKENS_PER_CALL
  ) {
    return NONE;
  }
  const absurd: string[] = [];
  for (const field of PART_FIELDS) if (tokens[field] > MAX_TOKENS_PER_CALL) absurd.push(field);
  return absurd;
}

const NONE: string[] = [];
