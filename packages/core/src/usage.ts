import type { LLMResult } from "@langchain/core/outputs";

/** Where a {@link TokenUsage} came from. */
export type UsageSource = "usage_metadata" | "llm_output" | "estimated";

/**
 * Token counts of one LLM run, normalised from wherever LangChain put them.
 *
 * Conventions follow LangChain's `usage_metadata`: `inputTokens` already includes cache reads and writes,
 * and (for OpenAI) `outputTokens` already includes reasoning tokens. A count that was missing, NaN, negative
 * or not a number is left undefined and its field is listed in `invalid`.
 */
export interface TokenUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens: number | undefined;
  cacheReadTokens: number | undefined;
  cacheWriteTokens: number | undefined;
  reasoningTokens: number | undefined;
  inputAudioTokens: number | undefined;
  outputAudioTokens: number | undefined;
  source: UsageSource;
  /** Fields whose reported value was unusable (NaN, negative, not a number) and was dropped. */
  invalid: string[];
}

type Counts = Omit<TokenUsage, "source" | "invalid">;
const COUNT_FIELDS: readonly (keyof Counts)[] = [
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "reasoningTokens",
  "inputAudioTokens",
  "outputAudioTokens",
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A usable token count: a finite, non-negative number (rounded down), else undefined. */
export function tokenCount(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER);
}

function emptyUsage(source: UsageSource): TokenUsage {
  return {
    inputTokens: undefined,
    outputTokens: undefined,
    totalTokens: undefined,
    cacheReadTokens: undefined,
    cacheWriteTokens: undefined,
    reasoningTokens: undefined,
    inputAudioTokens: undefined,
    outputAudioTokens: undefined,
    source,
    invalid: [],
  };
}

function setCount(usage: TokenUsage, field: keyof Counts, raw: unknown): void {
  if (raw === undefined || raw === null) return;
  const count = tokenCount(raw);
  if (count === undefined) {
    if (!usage.invalid.includes(field)) usage.invalid.push(field);
    return;
  }
  usage[field] = (usage[field] ?? 0) + count;
}

function hasAnyCount(usage: TokenUsage): boolean {
  for (const field of COUNT_FIELDS) if (usage[field] !== undefined) return true;
  return usage.invalid.length > 0;
}

function addUsageMetadata(usage: TokenUsage, metadata: Record<string, unknown>): void {
  setCount(usage, "inputTokens", metadata.input_tokens);
  setCount(usage, "outputTokens", metadata.output_tokens);
  setCount(usage, "totalTokens", metadata.total_tokens);
  const input = metadata.input_token_details;
  if (isRecord(input)) {
    setCount(usage, "cacheReadTokens", input.cache_read);
    setCount(usage, "cacheWriteTokens", input.cache_creation);
    setCount(usage, "inputAudioTokens", input.audio);
  }
  const output = metadata.output_token_details;
  if (isRecord(output)) {
    setCount(usage, "reasoningTokens", output.reasoning);
    setCount(usage, "outputAudioTokens", output.audio);
  }
}

/**
 * Usage from one message's `usage_metadata` (an `AIMessage`, an `AIMessageChunk`, or the object itself).
 * Returns undefined when the message carries none.
 */
export function usageFromMessage(message: unknown): TokenUsage | undefined {
  if (!isRecord(message)) return undefined;
  const metadata = isRecord(message.usage_metadata) ? message.usage_metadata : undefined;
  if (!metadata) return undefined;
  const usage = emptyUsage("usage_metadata");
  addUsageMetadata(usage, metadata);
  return hasAnyCount(usage) ? usage : undefined;
}

function messageOf(generation: unknown): unknown {
  return isRecord(generation) ? generation.message : undefined;
}

function fromLlmOutput(llmOutput: unknown): TokenUsage | undefined {
  if (!isRecord(llmOutput)) return undefined;
  const exact = isRecord(llmOutput.tokenUsage) ? llmOutput.tokenUsage : undefined;
  const estimated = isRecord(llmOutput.estimatedTokenUsage) ? llmOutput.estimatedTokenUsage : undefined;
  const counts = exact ?? estimated;
  if (!counts) return undefined;
  const usage = emptyUsage(exact ? "llm_output" : "estimated");
  setCount(usage, "inputTokens", counts.promptTokens);
  setCount(usage, "outputTokens", counts.completionTokens);
  setCount(usage, "totalTokens", counts.totalTokens);
  return hasAnyCount(usage) ? usage : undefined;
}

/**
 * Token usage of an LLM run's result: the sum of `usage_metadata` over the chosen generation of each prompt,
 * else `llmOutput.tokenUsage`, else `llmOutput.estimatedTokenUsage` (marked `estimated`). Undefined when the
 * result carries no usage at all. Never throws, whatever the shape of `output`.
 */
export function extractUsage(output: LLMResult | unknown): TokenUsage | undefined {
  if (!isRecord(output)) return undefined;
  const generations = Array.isArray(output.generations) ? output.generations : [];
  let total: TokenUsage | undefined;
  for (const perPrompt of generations) {
    const first: unknown = Array.isArray(perPrompt) ? perPrompt[0] : undefined;
    const message = messageOf(first);
    if (!isRecord(message) || !isRecord(message.usage_metadata)) continue;
    total ??= emptyUsage("usage_metadata");
    addUsageMetadata(total, message.usage_metadata);
  }
  if (total && hasAnyCount(total)) {
    if (
      total.totalTokens === undefined &&
      total.inputTokens !== undefined &&
      total.outputTokens !== undefined
    ) {
      total.totalTokens = total.inputTokens + total.outputTokens;
    }
    return total;
  }
  return fromLlmOutput(output.llmOutput);
}

/**
 * The input tokens not read from or written to a cache, and the output tokens that are not reasoning:
 * the parts each priced at their own rate, with nothing counted twice. Parts that cannot be known are 0.
 */
export function splitUsage(usage: TokenUsage): {
  uncachedInput: number;
  cacheRead: number;
  cacheWrite: number;
  visibleOutput: number;
  reasoning: number;
} {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  return {
    uncachedInput: Math.max(0, (usage.inputTokens ?? 0) - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    visibleOutput: Math.max(0, (usage.outputTokens ?? 0) - reasoning),
    reasoning,
  };
}
