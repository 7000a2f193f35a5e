import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallCostRecord, TokenCostCallbackHandler } from "../src/index.js";

// gpt-4o-mini in genai-prices' bundled data: $0.15 / M input, $0.075 / M cached input, $0.60 / M output.
const GPT_4O_MINI = { input: 0.15, cached: 0.075, output: 0.6 };

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

function only(records: CallCostRecord[]): CallCostRecord {
  expect(records).toHaveLength(1);
  return records[0] as CallCostRecord;
}

describe("per-call records", () => {
  it("invoke: prices the reported usage at the model's rates, with the matched entry", async () => {
    server.setScript({ usage: { promptTokens: 1200, completionTokens: 300 } });
    const handler = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server).invoke("hello", { callbacks: [handler] });
    await awaitAllCallbacks();
    const record = only(handler.records);
    expect(record.model).toBe("gpt-4o-mini");
    expect(record.provider).toBe("openai");
    expect(record.estimated).toBe(false);
    expect(record.tokens).toMatchObject({ inputTokens: 1200, outputTokens: 300, totalTokens: 1500 });
    expect(record.price).toMatchObject({ provider: "openai", modelId: "gpt-4o-mini", source: "bundled" });
    expect(record.cost?.inputUsd).toBeCloseTo((1200 * GPT_4O_MINI.input) / 1e6, 12);
    expect(record.cost?.outputUsd).toBeCloseTo((300 * GPT_4O_MINI.output) / 1e6, 12);
    expect(record.cost?.totalUsd).toBeCloseTo(0.00036, 12);
    expect(handler.costUsd).toBeCloseTo(0.00036, 12);
  });

  it("hands every record to onRecord as it is priced", async () => {
    server.setScript({ usage: { promptTokens: 10, completionTokens: 2 } });
    const seen: CallCostRecord[] = [];
    const handler = new TokenCostCallbackHandler({ onRecord: (record) => seen.push(record) });
    await fakeChatOpenAI(server).batch(["a", "b"], { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(seen).toHaveLength(2);
    expect(seen.map((record) => record.runId).sort()).toEqual(
      handler.records.map((record) => record.runId).sort(),
    );
    expect(seen.every((record) => record.cost !== null && record.at instanceof Date)).toBe(true);
  });

  it("prices the response's model (a dated snapshot), and keeps the requested one", async () => {
    server.setScript({ model: "gpt-4o-2024-08-06", usage: { promptTokens: 1000, completionTokens: 1000 } });
    const handler = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server, { model: "gpt-4o" }).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    const record = only(handler.records);
    expect(record.model).toBe("gpt-4o-2024-08-06");
    expect(record.requestedModel).toBe("gpt-4o");
    expect(record.price?.modelId).toBe("gpt-4o");
    // $2.50 / M input + $10 / M output
    expect(record.cost?.totalUsd).toBeCloseTo(0.0125, 12);
  });

  it("stream: usage comes from the final chunk", async () => {
    server.setScript({ content: "one two three", usage: { promptTokens: 40, completionTokens: 3 } });
    const handler = new TokenCostCallbackHandler();
    const stream = await fakeChatOpenAI(server).stream("count", { callbacks: [handler] });
    let text = "";
    for await (const chunk of stream) text += String(chunk.content);
    await awaitAllCallbacks();
    expect(text).toBe("one two three");
    const record = only(handler.records);
    expect(record.estimated).toBe(false);
    expect(record.tokens).toMatchObject({ inputTokens: 40, outputTokens: 3 });
    expect(record.cost?.totalUsd).toBeCloseTo((40 * 0.15 + 3 * 0.6) / 1e6, 14);
  });

  it("stream without usage: estimates with the bundled tokenizer and says so", async () => {
    server.setScript({ content: "Paris is the capital of France.", usage: null });
    const handler = new TokenCostCallbackHandler();
    const stream = await fakeChatOpenAI(server, { streamUsage: false }).stream(
      "What is the capital of France?",
      {
        callbacks: [handler],
      },
    );
    for await (const _ of stream);
    await awaitAllCallbacks();
    const record = only(handler.records);
    expect(record.estimated).toBe(true);
    // o200k_base: "What is the capital of France?" is 7 tokens, + 3 framing + 3 priming; the reply is 7 tokens.
    expect(record.tokens.inputTokens).toBe(13);
    expect(record.tokens.outputTokens).toBe(7);
    expect(record.cost?.totalUsd).toBeCloseTo((13 * 0.15 + 7 * 0.6) / 1e6, 14);
    expect(handler.totals.estimatedCalls).toBe(1);
  });

  it("no usage and estimation off: cost null with a reason, never 0", async () => {
    server.setScript({ usage: null });
    const handler = new TokenCostCallbackHandler({ estimate: false });
    const stream = await fakeChatOpenAI(server, { streamUsage: false }).stream("hi", {
      callbacks: [handler],
    });
    for await (const _ of stream);
    await awaitAllCallbacks();
    const record = only(handler.records);
    expect(record.cost).toBeNull();
    expect(record.reason).toBe("no_usage");
    expect(handler.totals.unpricedCalls).toBe(1);
  });

  it("batch: one record per prompt, summed in the totals", async () => {
    server.setScript({ usage: { promptTokens: 100, completionTokens: 10 } });
    const handler = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server).batch(["a", "b", "c", "d", "e"], { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(handler.records).toHaveLength(5);
    expect(new Set(handler.records.map((record) => record.traceId)).size).toBe(5);
    const totals = handler.totals;
    expect(totals.calls).toBe(5);
    expect(totals.tokens.inputTokens).toBe(500);
    expect(totals.costUsd).toBeCloseTo(5 * ((100 * 0.15 + 10 * 0.6) / 1e6), 14);
    expect(handler.byModel().get("gpt-4o-mini")?.calls).toBe(5);
  });

  it("cached and reasoning tokens: each part at its own rate, nothing counted twice", async () => {
    server.setScript({
      model: "o3-mini",
      usage: { promptTokens: 10_000, cachedTokens: 8_000, completionTokens: 2_000, reasoningTokens: 1_500 },
    });
    const handler = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server, { model: "o3-mini" }).invoke("think", { callbacks: [handler] });
    await awaitAllCallbacks();
    const record = only(handler.records);
    expect(record.tokens).toMatchObject({
      inputTokens: 10_000,
      cacheReadTokens: 8_000,
      outputTokens: 2_000,
      reasoningTokens: 1_500,
    });
    // o3-mini: $1.10 / M input, $0.55 / M cached input, $4.40 / M output (reasoning billed as output).
    expect(record.cost?.inputUsd).toBeCloseTo((2_000 * 1.1) / 1e6, 14);
    expect(record.cost?.cacheReadUsd).toBeCloseTo((8_000 * 0.55) / 1e6, 14);
    expect(record.cost?.outputUsd).toBeCloseTo((500 * 4.4) / 1e6, 14);
    expect(record.cost?.reasoningUsd).toBeCloseTo((1_500 * 4.4) / 1e6, 14);
    expect(record.cost?.otherUsd).toBe(0);
    expect(record.cost?.totalUsd).toBeCloseTo((2_000 * 1.1 + 8_000 * 0.55 + 2_000 * 4.4) / 1e6, 14);
  });

  it("cache writes and reads over HTTP, priced at the matched entry's own rates", async () => {
    // An Anthropic model behind an OpenAI-compatible endpoint: ChatOpenAI reports ls_provider "openai".
    server.setScript({
      model: "claude-3-5-sonnet-20241022",
      usage: { promptTokens: 10_000, cachedTokens: 5_000, cacheWriteTokens: 2_000, completionTokens: 1_000 },
    });
    const handler = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server, { model: "claude-3-5-sonnet-20241022" }).invoke("cache", {
      callbacks: [handler],
    });
    await awaitAllCallbacks();
    const record = only(handler.records);
    expect(record.tokens).toMatchObject({
      inputTokens: 10_000,
      cacheReadTokens: 5_000,
      cacheWriteTokens: 2_000,
    });
    expect(record.price).toMatchObject({
      provider: "anthropic",
      modelId: "claude-3-5-sonnet",
      providerInferred: true,
    });
    // $3 / M uncached input, $0.30 / M cache reads, $3.75 / M cache writes, $15 / M output.
    expect(record.cost).toMatchObject({
      inputUsd: expect.closeTo(0.009, 12),
      cacheReadUsd: expect.closeTo(0.0015, 12),
      cacheWriteUsd: expect.closeTo(0.0075, 12),
      outputUsd: expect.closeTo(0.015, 12),
      totalUsd: expect.closeTo(0.033, 12),
    });
  });

  it("a failed call costs nothing and is counted as failed", async () => {
    server.setScript({ status: 500, error: { message: "boom" } });
    server.clearRequests();
    const handler = new TokenCostCallbackHandler();
    await expect(
      fakeChatOpenAI(server, { maxRetries: 1 }).invoke("x", { callbacks: [handler] }),
    ).rejects.toThrow();
    await awaitAllCallbacks();
    expect(handler.records).toHaveLength(0);
    expect(handler.totals).toMatchObject({ calls: 0, failedCalls: 1, costUsd: 0 });
    expect(server.completions().length).toBe(2);
  });
});
