import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { LLM } from "@langchain/core/language_models/llms";
import { describe, expect, it } from "vitest";
import { TokenCostCallbackHandler } from "../src/index.js";

/** A completion-style LLM (handleLLMStart, string prompts) that reports no usage. */
class EchoLLM extends LLM {
  override _llmType(): string {
    return "echo";
  }

  override invocationParams(): Record<string, unknown> {
    return { model: "gpt-3.5-turbo-instruct" };
  }

  override async _call(prompt: string): Promise<string> {
    return `echo: ${prompt}`;
  }
}

describe("completion LLMs", () => {
  it("a string-prompt LLM with no usage: tokens estimated with cl100k_base and priced", async () => {
    const handler = new TokenCostCallbackHandler();
    await new EchoLLM({}).invoke("Say hello", { callbacks: [handler] });
    await awaitAllCallbacks();
    const [record] = handler.records;
    expect(record?.model).toBe("gpt-3.5-turbo-instruct");
    expect(record?.estimated).toBe(true);
    // cl100k_base: "Say hello" is 2 tokens, "echo: Say hello" is 4.
    expect(record?.tokens).toMatchObject({ inputTokens: 2, outputTokens: 4 });
    // gpt-3.5-turbo-instruct: $1.50 / M input, $2.00 / M output.
    expect(record?.cost?.totalUsd).toBeCloseTo((2 * 1.5 + 4 * 2) / 1e6, 14);
  });
});
