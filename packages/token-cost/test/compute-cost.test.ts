import { describe, expect, it } from "vitest";
import { computeCost } from "../src/index.js";

const AT = new Date("2025-07-01T12:00:00Z");

describe("computeCost", () => {
  it("splits a call into parts, each at its own rate", () => {
    const { cost, price, tokens } = computeCost({
      model: "claude-3-5-sonnet-20241022",
      provider: "anthropic",
      usage: { inputTokens: 10_000, cacheWriteTokens: 2_000, cacheReadTokens: 5_000, outputTokens: 1_000 },
      at: AT,
    });
    expect(price).toMatchObject({ provider: "anthropic", modelId: "claude-3-5-sonnet", source: "bundled" });
    expect(price?.rates).toMatchObject({
      input_mtok: 3,
      cache_write_mtok: 3.75,
      cache_read_mtok: 0.3,
      output_mtok: 15,
    });
    expect(cost?.inputUsd).toBeCloseTo(0.009, 12);
    expect(cost?.cacheWriteUsd).toBeCloseTo(0.0075, 12);
    expect(cost?.cacheReadUsd).toBeCloseTo(0.0015, 12);
    expect(cost?.outputUsd).toBeCloseTo(0.015, 12);
    expect(cost?.otherUsd).toBe(0);
    expect(tokens.totalTokens).toBe(11_000);
  });

  it("an unknown model: cost null with a reason, never 0", () => {
    const result = computeCost({ model: "my-private-llm", provider: "openai", usage: { inputTokens: 10 } });
    expect(result.cost).toBeNull();
    expect(result.reason).toBe("unknown_model");
    expect(result.detail).toContain("my-private-llm");
  });

  it("a self-hosted provider genai-prices does not know: unknown, not guessed", () => {
    const result = computeCost({ model: "llama3.2:3b", provider: "ollama", usage: { inputTokens: 10 } });
    expect(result).toMatchObject({ cost: null, reason: "unknown_model" });
  });

  it("no model name at all", () => {
    expect(computeCost({ model: undefined, usage: { inputTokens: 10 } })).toMatchObject({
      cost: null,
      reason: "no_model_name",
    });
  });

  it("negative, NaN or non-number counts: refused with the fields named", () => {
    const result = computeCost({
      model: "gpt-4o-mini",
      provider: "openai",
      usage: { inputTokens: -5, outputTokens: Number.NaN, cacheReadTokens: "3" as unknown as number },
    });
    expect(result.cost).toBeNull();
    expect(result.reason).toBe("invalid_usage");
    expect(result.detail).toContain("inputTokens");
    expect(result.detail).toContain("outputTokens");
    expect(result.detail).toContain("cacheReadTokens");
  });

  it("inconsistent counts (more cached than input): a clear record, no throw", () => {
    const result = computeCost({
      model: "gpt-4o-mini",
      provider: "openai",
      usage: { inputTokens: 10, cacheReadTokens: 50 },
    });
    expect(result.cost).toBeNull();
    expect(result.reason).toBe("price_error");
    expect(result.detail).toMatch(/cache_read_tokens/);
  });

  it("counts beyond any model's single call are invalid_usage, not a price", () => {
    const result = computeCost({
      model: "gpt-4o-mini",
      provider: "openai",
      usage: { inputTokens: 1e20, outputTokens: 10 },
      at: AT,
    });
    expect(result.cost).toBeNull();
    expect(result.reason).toBe("invalid_usage");
    expect(result.detail).toMatch(/inputTokens/);
    // Just under the bound is still priced.
    expect(computeCost({ model: "gpt-4o-mini", usage: { inputTokens: 1e8 }, at: AT }).cost?.totalUsd).toBe(
      15,
    );
  });

  it("a model served through a provider that has no entry for it is matched by name, and says so", () => {
    // ChatOpenAI pointed at DeepSeek's OpenAI-compatible API reports ls_provider "openai".
    const result = computeCost({
      model: "deepseek-chat",
      provider: "openai",
      usage: { inputTokens: 1_000_000 },
      at: AT,
    });
    expect(result.price).toMatchObject({
      provider: "deepseek",
      modelId: "deepseek-chat",
      providerInferred: true,
    });
    expect(result.cost?.totalUsd).toBeCloseTo(0.27, 10);
  });

  it("custom prices add a model without forking", () => {
    const result = computeCost({
      model: "acme-llm-7b",
      provider: "openai",
      usage: { inputTokens: 2_000_000, outputTokens: 1_000_000 },
      prices: [{ model: "acme-llm-7b", prices: { input_mtok: 0.05, output_mtok: 0.1 } }],
    });
    expect(result.price).toMatchObject({ source: "custom", modelId: "acme-llm-7b" });
    expect(result.cost?.totalUsd).toBeCloseTo(0.2, 12);
  });

  it("custom prices override a bundled model, and can be limited to one provider", () => {
    const prices = [{ model: "gpt-4o-mini", provider: "azure", prices: { input_mtok: 1, output_mtok: 1 } }];
    const usage = { inputTokens: 1_000_000 };
    const azure = computeCost({ model: "gpt-4o-mini", provider: "azure", usage, prices, at: AT });
    const openai = computeCost({ model: "gpt-4o-mini", provider: "openai", usage, prices, at: AT });
    expect(azure.cost?.totalUsd).toBeCloseTo(1, 12);
    expect(azure.price?.source).toBe("custom");
    expect(openai.cost?.totalUsd).toBeCloseTo(0.15, 12);
    expect(openai.price?.source).toBe("bundled");
  });

  it("custom prices accept match logic and price history", () => {
    const prices = [
      {
        model: { starts_with: "acme-" },
        prices: [
          { prices: { input_mtok: 2 } },
          {
            constraint: { type: "start_date" as const, start_date: "2025-06-01" },
            prices: { input_mtok: 1 },
          },
        ],
      },
    ];
    const usage = { inputTokens: 1_000_000 };
    const before = computeCost({ model: "acme-large", usage, prices, at: new Date("2025-05-01") });
    const after = computeCost({ model: "acme-large", usage, prices, at: new Date("2025-07-01") });
    expect(before.cost?.totalUsd).toBeCloseTo(2, 12);
    expect(after.cost?.totalUsd).toBeCloseTo(1, 12);
  });

  it("rejects bad custom prices loudly, naming the value", () => {
    expect(() =>
      computeCost({ model: "x", usage: {}, prices: [{ model: "x", prices: { input_mtok: -1 } }] }),
    ).toThrow(/prices\[0\]\.prices\.input_mtok.*-1/);
    expect(() => computeCost({ model: "x", usage: {}, prices: [{ model: "", prices: {} }] })).toThrow(
      /prices\[0\]\.model/,
    );
  });

  it("the parts add up to genai-prices' total for models of the main providers, tiers included", () => {
    const models: [string, string][] = [
      ["gpt-4o", "openai"],
      ["o3-mini", "openai"],
      ["claude-3-5-sonnet-20241022", "anthropic"],
      ["gemini-2.5-pro", "google_genai"],
      ["gemini-2.5-flash", "google_genai"],
      ["deepseek-reasoner", "deepseek"],
      ["grok-3", "xai"],
    ];
    for (const [model, provider] of models) {
      const { cost } = computeCost({
        model,
        provider,
        usage: {
          inputTokens: 250_000,
          cacheReadTokens: 50_000,
          cacheWriteTokens: 0,
          outputTokens: 9_000,
          reasoningTokens: 4_000,
        },
        at: AT,
      });
      expect(cost, model).not.toBeNull();
      expect(cost?.otherUsd, model).toBe(0);
    }
  });
});
