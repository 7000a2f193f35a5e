import { validateOptions } from "@chainwatch/core";
import { countsFromAnyUsage } from "./counts.js";
import { COMPUTE_COST_SHAPE } from "./options.js";
import { PriceBook } from "./prices.js";
import type { ComputeCostInput, CostResult, TokenCounts } from "./types.js";
import { absurdCounts, MAX_TOKENS_PER_CALL } from "./usage-limits.js";

let defaultBook: PriceBook | undefined;

function bundledBook(): PriceBook {
  defaultBook ??= new PriceBook();
  return defaultBook;
}

/**
 * Prices one call without callbacks: the same rules as the handler (custom prices first, then genai-prices'
 * bundled data, dated snapshots and fine-tunes matched to their base entry). Never throws for bad counts or
 * unknown models: those come back with `cost: null` and a reason. `usage` is the documented camelCase shape or
 * LangChain's own `UsageMetadata` (`message.usage_metadata`); an object with neither an input nor an output count,
 * or with keys of neither shape, is `invalid_usage` (never a priced zero).
 *
 * @example
 * ```ts
 * const { cost } = computeCost({ model: "gpt-4o-mini", provider: "openai", usage: { inputTokens: 1000, outputTokens: 200 } });
 * cost?.totalUsd; // 0.00027
 * ```
 */
export function computeCost(input: ComputeCostInput): CostResult & { tokens: TokenCounts } {
  validateOptions("computeCost", input, COMPUTE_COST_SHAPE);
  if (input === undefined) throw new TypeError("computeCost: expected an object, got undefined");
  // Bad custom prices are the caller's mistake: refused loudly before the usage is even looked at.
  const book =
    input.prices !== undefined && input.prices.length > 0 ? new PriceBook(input.prices) : bundledBook();
  const { counts, problem } = countsFromAnyUsage(input.usage);
  const absurd = problem === undefined ? absurdCounts(counts) : [];
  if (problem !== undefined || absurd.length > 0) {
    return {
      cost: null,
      price: null,
      reason: "invalid_usage",
      detail:
        problem ??
        `token counts beyond any model's single call (> ${MAX_TOKENS_PER_CALL}): ${absurd.join(", ")}`,
      tokens: counts,
    };
  }
  const at = input.at ?? new Date();
  return { ...book.price(input.model, input.provider, counts, at), tokens: counts };
}
