import { countsFromPartial } from "./counts.js";
import { PriceBook } from "./prices.js";
import type { ComputeCostInput, CostResult, TokenCounts } from "./types.js";

let defaultBook: PriceBook | undefined;

function bundledBook(): PriceBook {
  defaultBook ??= new PriceBook();
  return defaultBook;
}

/**
 * Prices one call without callbacks: the same rules as the handler (custom prices first, then genai-prices'
 * bundled data, dated snapshots and fine-tunes matched to their base entry). Never throws for bad counts or
 * unknown models: those come back with `cost: null` and a reason.
 *
 * @example
 * ```ts
 * const { cost } = computeCost({ model: "gpt-4o-mini", provider: "openai", usage: { inputTokens: 1000, outputTokens: 200 } });
 * cost?.totalUsd; // 0.00027
 * ```
 */
export function computeCost(input: ComputeCostInput): CostResult & { tokens: TokenCounts } {
  const { counts, invalid } = countsFromPartial(input.usage);
  if (invalid.length > 0) {
    return {
      cost: null,
      price: null,
      reason: "invalid_usage",
      detail: `unusable token counts (NaN, negative or not a number): ${invalid.join(", ")}`,
      tokens: counts,
    };
  }
  const book =
    input.prices !== undefined && input.prices.length > 0 ? new PriceBook(input.prices) : bundledBook();
  const at = input.at ?? new Date();
  return { ...book.price(input.model, input.provider, counts, at), tokens: counts };
}
