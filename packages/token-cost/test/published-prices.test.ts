import { describe, expect, it } from "vitest";
import { computeCost, type TokenCounts } from "../src/index.js";

type Usage = Partial<Omit<TokenCounts, "totalTokens">>;

interface Case {
  model: string;
  provider: string;
  usage: Usage;
  at: string;
  /** Worked out by hand from the provider's published price page; the arithmetic is in `how`. */
  usd: number;
  how: string;
}

const MID_2025 = "2025-07-01T12:00:00Z";
const M = 1_000_000;

/**
 * Each expected figure is computed by hand from the provider's published per-million-token prices at `at`, not
 * read back from genai-prices: a data error or a pricing bug (double-counted cache or reasoning tokens, a wrong
 * tier) makes the case fail.
 */
const CASES: Case[] = [
  {
    model: "gpt-4o-mini",
    provider: "openai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 0.75,
    how: "0.15 + 0.60",
  },
  {
    model: "gpt-4o",
    provider: "openai",
    usage: { inputTokens: 10_000, cacheReadTokens: 2_000, outputTokens: 500 },
    at: MID_2025,
    usd: 0.0275,
    how: "8k x 2.50 + 2k x 1.25 (cached) + 500 x 10.00",
  },
  {
    model: "gpt-4o-2024-08-06",
    provider: "openai",
    usage: { inputTokens: M },
    at: MID_2025,
    usd: 2.5,
    how: "dated snapshot at gpt-4o's 2.50",
  },
  {
    model: "gpt-4.1",
    provider: "openai",
    usage: { inputTokens: 100_000, cacheReadTokens: 50_000, outputTokens: 10_000 },
    at: MID_2025,
    usd: 0.205,
    how: "50k x 2.00 + 50k x 0.50 + 10k x 8.00",
  },
  {
    model: "gpt-4.1-mini",
    provider: "openai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 2.0,
    how: "0.40 + 1.60",
  },
  {
    model: "gpt-4.1-nano",
    provider: "openai",
    usage: { inputTokens: 200_000, outputTokens: 100_000 },
    at: MID_2025,
    usd: 0.06,
    how: "200k x 0.10 + 100k x 0.40",
  },
  {
    model: "o1",
    provider: "openai",
    usage: { inputTokens: 1_000, outputTokens: 10_000, reasoningTokens: 8_000 },
    at: MID_2025,
    usd: 0.615,
    how: "1k x 15 + 10k x 60 (reasoning is part of output, billed once)",
  },
  {
    model: "o3",
    provider: "openai",
    usage: { inputTokens: M, outputTokens: M },
    at: "2025-05-01T00:00:00Z",
    usd: 50,
    how: "before the 2025-06-10 cut: 10 + 40",
  },
  {
    model: "o3",
    provider: "openai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 10,
    how: "after the cut: 2 + 8",
  },
  {
    model: "o4-mini",
    provider: "openai",
    usage: { inputTokens: 100_000, cacheReadTokens: 40_000, outputTokens: 20_000 },
    at: MID_2025,
    usd: 0.165,
    how: "60k x 1.10 + 40k x 0.275 + 20k x 4.40",
  },
  {
    model: "gpt-3.5-turbo-0125",
    provider: "openai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 2.0,
    how: "0.50 + 1.50",
  },
  {
    model: "gpt-4",
    provider: "openai",
    usage: { inputTokens: 1_000, outputTokens: 1_000 },
    at: MID_2025,
    usd: 0.09,
    how: "1k x 30 + 1k x 60",
  },
  {
    model: "gpt-5",
    provider: "openai",
    usage: { inputTokens: 100_000, cacheReadTokens: 90_000, outputTokens: 10_000 },
    at: "2025-09-01T00:00:00Z",
    usd: 0.12375,
    how: "10k x 1.25 + 90k x 0.125 + 10k x 10",
  },
  {
    model: "ft:gpt-4o-mini-2024-07-18:acme::abc123",
    provider: "openai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 1.5,
    how: "fine-tuned gpt-4o-mini: 0.30 + 1.20",
  },
  {
    model: "gpt-4o-2024-11-20",
    provider: "azure",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 12.5,
    how: "Azure global deployment of gpt-4o: 2.50 + 10",
  },
  {
    model: "claude-3-5-sonnet-20241022",
    provider: "anthropic",
    usage: { inputTokens: 10_000, cacheWriteTokens: 2_000, cacheReadTokens: 5_000, outputTokens: 1_000 },
    at: MID_2025,
    usd: 0.033,
    how: "3k x 3 + 2k x 3.75 (write) + 5k x 0.30 (read) + 1k x 15",
  },
  {
    model: "claude-sonnet-4-20250514",
    provider: "anthropic",
    usage: { inputTokens: 4_740, cacheWriteTokens: 4_735, outputTokens: 255 },
    at: MID_2025,
    usd: 0.02159625,
    how: "5 x 3 + 4,735 x 3.75 + 255 x 15",
  },
  {
    model: "claude-3-5-haiku-20241022",
    provider: "anthropic",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 4.8,
    how: "0.80 + 4",
  },
  {
    model: "claude-opus-4-20250514",
    provider: "anthropic",
    usage: { inputTokens: 1_000, outputTokens: 1_000 },
    at: MID_2025,
    usd: 0.09,
    how: "1k x 15 + 1k x 75",
  },
  {
    model: "claude-3-haiku-20240307",
    provider: "anthropic",
    usage: { inputTokens: M, cacheReadTokens: M, outputTokens: 0 },
    at: MID_2025,
    usd: 0.03,
    how: "1M cache reads x 0.03",
  },
  {
    model: "gemini-2.5-pro",
    provider: "google_genai",
    usage: { inputTokens: 100_000, outputTokens: 10_000 },
    at: MID_2025,
    usd: 0.225,
    how: "<= 200k prompt: 100k x 1.25 + 10k x 10",
  },
  {
    model: "gemini-2.5-pro",
    provider: "google_vertexai",
    usage: { inputTokens: 300_000, outputTokens: 10_000 },
    at: MID_2025,
    usd: 0.9,
    how: "> 200k prompt, the whole call at the long-context rates: 300k x 2.50 + 10k x 15",
  },
  {
    model: "gemini-1.5-flash",
    provider: "google_genai",
    usage: { inputTokens: 100_000, outputTokens: 100_000 },
    at: MID_2025,
    usd: 0.0375,
    how: "<= 128k prompt: 100k x 0.075 + 100k x 0.30",
  },
  {
    model: "gemini-2.0-flash",
    provider: "google_genai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 0.5,
    how: "0.10 + 0.40",
  },
  {
    model: "deepseek-chat",
    provider: "deepseek",
    usage: { inputTokens: M, cacheReadTokens: 400_000, outputTokens: 100_000 },
    at: MID_2025,
    usd: 0.3,
    how: "standard hours: 600k x 0.27 + 400k x 0.07 (cache hit) + 100k x 1.10",
  },
  {
    model: "deepseek-chat",
    provider: "deepseek",
    usage: { inputTokens: M, cacheReadTokens: 400_000, outputTokens: 100_000 },
    at: "2025-07-01T18:00:00Z",
    usd: 0.15,
    how: "off-peak (16:30-00:30 UTC) half price",
  },
  {
    model: "mistral-large-latest",
    provider: "mistralai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 8,
    how: "2 + 6",
  },
  {
    model: "llama-3.3-70b-versatile",
    provider: "groq",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 1.38,
    how: "0.59 + 0.79",
  },
  {
    model: "grok-3",
    provider: "xai",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 18,
    how: "3 + 15",
  },
  {
    model: "command-r-plus-08-2024",
    provider: "cohere",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 12.5,
    how: "2.50 + 10",
  },
  {
    model: "amazon.nova-pro-v1:0",
    provider: "amazon_bedrock",
    usage: { inputTokens: M, outputTokens: M },
    at: MID_2025,
    usd: 4,
    how: "0.80 + 3.20",
  },
];

describe("published prices (hand-checked)", () => {
  it("has at least 20 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  for (const testCase of CASES) {
    it(`${testCase.provider}/${testCase.model} @ ${testCase.at}: $${testCase.usd} (${testCase.how})`, () => {
      const result = computeCost({
        model: testCase.model,
        provider: testCase.provider,
        usage: testCase.usage,
        at: new Date(testCase.at),
      });
      expect(result.reason).toBeUndefined();
      expect(result.cost?.totalUsd).toBeCloseTo(testCase.usd, 10);
      const cost = result.cost;
      if (cost) {
        const parts =
          cost.inputUsd +
          cost.cacheReadUsd +
          cost.cacheWriteUsd +
          cost.outputUsd +
          cost.reasoningUsd +
          cost.otherUsd;
        expect(parts).toBeCloseTo(cost.totalUsd, 12);
      }
    });
  }
});
