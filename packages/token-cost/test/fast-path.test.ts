import { calcPrice, findProvider } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { zeroCounts } from "../src/counts.js";
import { PriceBook } from "../src/prices.js";
import type { TokenCounts } from "../src/types.js";

const PROVIDERS = [
  "anthropic",
  "arcee",
  "avian",
  "aws",
  "azure",
  "baseten",
  "cohere",
  "deepseek",
  "doubleword",
  "fireworks",
  "google",
  "groq",
  "huggingface_cerebras",
  "huggingface_fireworks-ai",
  "huggingface_groq",
  "huggingface_hyperbolic",
  "huggingface_nebius",
  "huggingface_novita",
  "huggingface_nscale",
  "huggingface_ovhcloud",
  "huggingface_publicai",
  "huggingface_sambanova",
  "huggingface_together",
  "minimax",
  "mistral",
  "modal",
  "novita",
  "openai",
  "openrouter",
  "ovhcloud",
  "perplexity",
  "quicksilverpro",
  "together",
  "typesafe",
  "voyageai",
  "x-ai",
  "zai",
  "zhipuai",
];

function counts(parts: Partial<TokenCounts>): TokenCounts {
  const tokens = { ...zeroCounts(), ...parts };
  tokens.totalTokens = tokens.inputTokens + tokens.outputTokens;
  return tokens;
}

const USAGES = [
  counts({ inputTokens: 1_234, outputTokens: 567 }),
  counts({
    inputTokens: 250_000,
    cacheReadTokens: 40_000,
    cacheWriteTokens: 10_000,
    outputTokens: 9_000,
    reasoningTokens: 4_000,
  }),
  counts({ inputTokens: 3_000_000, cacheReadTokens: 1_000_000, outputTokens: 100 }),
];

const DATES = [
  "2024-06-01T03:00:00Z",
  "2025-07-01T12:00:00Z",
  "2025-07-01T20:00:00Z",
  "2026-06-01T00:00:00Z",
].map((date) => new Date(date));

function libraryTotal(
  tokens: TokenCounts,
  model: string,
  providerId: string,
  at: Date,
): number | null | "error" {
  const usage: Record<string, number> = {
    input_tokens: tokens.inputTokens,
    output_tokens: tokens.outputTokens,
  };
  if (tokens.cacheReadTokens) usage.cache_read_tokens = tokens.cacheReadTokens;
  if (tokens.cacheWriteTokens) usage.cache_write_tokens = tokens.cacheWriteTokens;
  if (tokens.reasoningTokens) usage.output_reasoning_tokens = tokens.reasoningTokens;
  try {
    return calcPrice(usage, model, { providerId, timestamp: at })?.total_price ?? null;
  } catch {
    return "error";
  }
}

describe("fast path", () => {
  it("agrees with genai-prices' own calculation on every bundled model, date and usage shape", () => {
    const book = new PriceBook();
    let compared = 0;
    for (const providerId of PROVIDERS) {
      const provider = findProvider({ providerId });
      expect(provider, providerId).toBeDefined();
      for (const model of provider?.models ?? []) {
        for (const at of DATES) {
          for (const tokens of USAGES) {
            const expected = libraryTotal(tokens, model.id, providerId, at);
            if (expected === null) continue;
            const { cost, reason } = book.price(model.id, providerId, tokens, at);
            if (expected === "error") {
              expect(reason, `${providerId}/${model.id}`).toBe("price_error");
              continue;
            }
            expect(cost?.totalUsd, `${providerId}/${model.id} at ${at.toISOString()}`).toBeCloseTo(
              expected,
              9,
            );
            // Money is rounded to $1e-10 where it is computed: within half a unit of that, or 1e-9 relative.
            const difference = Math.abs((cost?.totalUsd ?? 0) - expected);
            expect(difference, `${providerId}/${model.id}`).toBeLessThanOrEqual(0.5e-10 + 1e-9 * expected);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(5_000);
  });
});
