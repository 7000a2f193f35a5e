import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenCostCallbackHandler } from "../src/index.js";

// Issue 18.6: a call the provider reports no usage for gets one answer everywhere: the tokenizer estimate,
// marked estimated, in the cost handler's record and through the cost source metrics and logs read.
let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

/** What the metrics and log handlers do at a model's end: ask the cost source, with the run id as a hint. */
class CostProbe extends BaseCallbackHandler {
  name = "cost_probe";
  readonly answers: ({ usd: number; estimated: boolean } | undefined)[] = [];
  constructor(private readonly source: TokenCostCallbackHandler) {
    super();
  }
  override handleLLMEnd(output: unknown, runId: string): void {
    // The run id rides along in the hint so the source can estimate before its own end event has run.
    const hint = { model: "gpt-4o-mini", provider: "openai", runId };
    this.answers.push(this.source.costDetailOfLLMResult(output, hint));
  }
}

describe("no usage from the provider", () => {
  it("the cost source answers the estimate the handler records, whichever handler runs first", async () => {
    server.setScript({ usage: null, content: "A short answer of a few words." });
    const cost = new TokenCostCallbackHandler();
    const model = fakeChatOpenAI(server);
    const after = new CostProbe(cost);
    const before = new CostProbe(cost);
    await model.invoke("What is the capital of France?", { callbacks: [cost, after] });
    await model.invoke("What is the capital of Italy?", { callbacks: [before, cost] });
    await awaitAllCallbacks();
    const records = cost.records;
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.estimated).toBe(true);
      expect(record.cost?.totalUsd).toBeGreaterThan(0);
    }
    expect(after.answers).toEqual([{ usd: records[0]?.cost?.totalUsd, estimated: true }]);
    expect(before.answers).toEqual([{ usd: records[1]?.cost?.totalUsd, estimated: true }]);
  });

  it("with estimation off, no figure anywhere", async () => {
    server.setScript({ usage: null });
    const cost = new TokenCostCallbackHandler({ estimate: false });
    const probe = new CostProbe(cost);
    await fakeChatOpenAI(server).invoke("hello", { callbacks: [cost, probe] });
    await awaitAllCallbacks();
    expect(cost.records[0]?.cost).toBeNull();
    expect(cost.records[0]?.reason).toBe("no_usage");
    expect(probe.answers).toEqual([undefined]);
  });

  it("a count beyond any model's single call is invalid_usage in the record and unpriced in the source", async () => {
    server.setScript({ usage: { promptTokens: 1e20, completionTokens: 10 } });
    const cost = new TokenCostCallbackHandler();
    const probe = new CostProbe(cost);
    await fakeChatOpenAI(server).invoke("hello", { callbacks: [cost, probe] });
    await awaitAllCallbacks();
    const record = cost.records[0];
    expect(record?.cost).toBeNull();
    expect(record?.reason).toBe("invalid_usage");
    expect(record?.invalidUsage).toEqual(["inputTokens > 100000000"]);
    expect(cost.costUsd).toBe(0);
    expect(probe.answers).toEqual([undefined]);
  });
});
