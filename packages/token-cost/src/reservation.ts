import { estimateTokensNow } from "./estimate.js";
import type { PriceBook } from "./prices.js";
import type { TokenCounts } from "./types.js";

function outputLimit(extraParams: unknown): number | undefined {
  const params = (extraParams as { invocation_params?: Record<string, unknown> } | undefined)
    ?.invocation_params;
  if (typeof params !== "object" || params === null) return undefined;
  for (const key of ["max_completion_tokens", "max_tokens", "max_output_tokens", "maxTokens"]) {
    const value = params[key];
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

function promptChars(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) {
    let chars = 0;
    for (const item of value) chars += promptChars(item);
    return chars;
  }
  if (typeof value === "object" && value !== null)
    return promptChars((value as { content?: unknown }).content);
  return 0;
}

/**
 * The most a call can cost before it is sent: its prompt tokens (counted with the bundled tokenizer when it is
 * loaded, else one token per character plus message framing, which tokenizers stay under for text) at the input rate, plus the request's
 * `max_tokens` (else `maxOutputTokens`, else nothing) at the output rate. 0 when the model has no price (nothing to hold).
 */
export function reservationUsd(
  prices: PriceBook,
  model: string | undefined,
  provider: string | undefined,
  prompts: unknown,
  extraParams: unknown,
  maxOutputTokens: number,
  at: Date,
): number {
  const counted = estimateTokensNow(model, prompts, []);
  const inputTokens = counted?.inputTokens ?? promptChars(prompts) + 8;
  const outputTokens = outputLimit(extraParams) ?? (Number.isFinite(maxOutputTokens) ? maxOutputTokens : 0);
  const tokens: TokenCounts = {
    inputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens,
    reasoningTokens: 0,
    inputAudioTokens: 0,
    outputAudioTokens: 0,
    totalTokens: inputTokens + outputTokens,
  };
  return prices.price(model, provider, tokens, at).cost?.totalUsd ?? 0;
}
