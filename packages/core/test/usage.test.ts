import { describe, expect, it } from "vitest";
import { extractUsage, splitUsage, tokenCount, usageFromMessage } from "../src/index.js";

const withMessage = (message: unknown, llmOutput?: unknown) => ({
  generations: [[{ text: "", message }]],
  llmOutput,
});

describe("extractUsage", () => {
  it("reads usage_metadata with cache and reasoning details", () => {
    const usage = extractUsage(
      withMessage({
        usage_metadata: {
          input_tokens: 100,
          output_tokens: 40,
          total_tokens: 140,
          input_token_details: { cache_read: 60, cache_creation: 10, audio: 0 },
          output_token_details: { reasoning: 25 },
        },
      }),
    );
    expect(usage).toMatchObject({
      inputTokens: 100,
      outputTokens: 40,
      totalTokens: 140,
      cacheReadTokens: 60,
      cacheWriteTokens: 10,
      reasoningTokens: 25,
      inputAudioTokens: 0,
      source: "usage_metadata",
      invalid: [],
    });
    expect(splitUsage(usage!)).toEqual({
      uncachedInput: 30,
      cacheRead: 60,
      cacheWrite: 10,
      visibleOutput: 15,
      reasoning: 25,
    });
  });

  it("sums the chosen generation of every prompt", () => {
    const output = {
      generations: [
        [{ message: { usage_metadata: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } } }],
        [{ message: { usage_metadata: { input_tokens: 10, output_tokens: 20, total_tokens: 30 } } }],
      ],
    };
    expect(extractUsage(output)).toMatchObject({ inputTokens: 11, outputTokens: 22, totalTokens: 33 });
  });

  it("falls back to llmOutput.tokenUsage, then marks estimatedTokenUsage as estimated", () => {
    expect(
      extractUsage(
        withMessage({}, { tokenUsage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 } }),
      ),
    ).toMatchObject({
      inputTokens: 5,
      outputTokens: 7,
      source: "llm_output",
    });
    expect(
      extractUsage({
        generations: [],
        llmOutput: { estimatedTokenUsage: { promptTokens: 3, completionTokens: 4 } },
      }),
    ).toMatchObject({
      inputTokens: 3,
      source: "estimated",
    });
  });

  it("drops NaN, negative and non-numeric counts and says which", () => {
    const usage = extractUsage(
      withMessage({ usage_metadata: { input_tokens: Number.NaN, output_tokens: -3, total_tokens: "12" } }),
    );
    expect(usage).toMatchObject({ inputTokens: undefined, outputTokens: undefined, totalTokens: undefined });
    expect(usage?.invalid.sort()).toEqual(["inputTokens", "outputTokens", "totalTokens"]);
  });

  it("derives a missing total from input and output", () => {
    expect(
      extractUsage(withMessage({ usage_metadata: { input_tokens: 2, output_tokens: 3 } }))?.totalTokens,
    ).toBe(5);
  });

  it("returns undefined when there is no usage anywhere, whatever the shape", () => {
    for (const output of [
      undefined,
      null,
      42,
      "x",
      {},
      { generations: "no" },
      { generations: [[]] },
      withMessage(null),
    ]) {
      expect(extractUsage(output)).toBeUndefined();
    }
  });

  it("reads a single message or chunk", () => {
    expect(
      usageFromMessage({ usage_metadata: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } })
        ?.totalTokens,
    ).toBe(2);
    expect(usageFromMessage({ content: "x" })).toBeUndefined();
  });
});

describe("tokenCount", () => {
  it("accepts finite non-negative numbers only, floored and capped", () => {
    expect(tokenCount(3.9)).toBe(3);
    expect(tokenCount(0)).toBe(0);
    expect(tokenCount(1e300)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "5", null, undefined, 5n])
      expect(tokenCount(bad)).toBeUndefined();
  });
});
