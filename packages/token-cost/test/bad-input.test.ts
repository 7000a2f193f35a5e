import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallCostRecord, TokenCostCallbackHandler } from "../src/index.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

/** What AzureChatOpenAI reports: provider "azure", and the deployment name as the model. */
class AzureLikeChatOpenAI extends ChatOpenAI {
  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "azure", ls_model_name: "prod-gpt4o-eastus" };
  }
}

async function oneRecord(handler: TokenCostCallbackHandler): Promise<CallCostRecord> {
  await awaitAllCallbacks();
  expect(handler.records).toHaveLength(1);
  return handler.records[0] as CallCostRecord;
}

describe("bad or unusual input never throws into the run", () => {
  it("an Azure deployment name is priced from the model the response names", async () => {
    server.setScript({ model: "gpt-4o-2024-08-06", usage: { promptTokens: 1_000, completionTokens: 100 } });
    const handler = new TokenCostCallbackHandler();
    const model = new AzureLikeChatOpenAI({
      model: "prod-gpt4o-eastus",
      apiKey: "test",
      maxRetries: 0,
      configuration: { baseURL: server.baseURL },
    });
    await model.invoke("hi", { callbacks: [handler] });
    const record = await oneRecord(handler);
    expect(record.requestedModel).toBe("prod-gpt4o-eastus");
    expect(record.model).toBe("gpt-4o-2024-08-06");
    expect(record.provider).toBe("azure");
    expect(record.price).toMatchObject({ provider: "azure", modelId: "gpt-4o" });
    expect(record.cost?.totalUsd).toBeCloseTo((1_000 * 2.5 + 100 * 10) / 1e6, 14);
  });

  it("an unknown model: the call succeeds, its record has cost null and a reason, the total says so", async () => {
    server.setScript({ model: "my-private-finetune", usage: { promptTokens: 10, completionTokens: 5 } });
    const handler = new TokenCostCallbackHandler();
    const reply = await fakeChatOpenAI(server, { model: "my-private-finetune" }).invoke("hi", {
      callbacks: [handler],
    });
    expect(String(reply.content)).toBe("You said: hi");
    const record = await oneRecord(handler);
    expect(record.cost).toBeNull();
    expect(record.reason).toBe("unknown_model");
    expect(record.tokens.inputTokens).toBe(10);
    expect(handler.totals).toMatchObject({ calls: 1, pricedCalls: 0, unpricedCalls: 1, costUsd: 0 });
    expect(handler.table()).toContain("unknown");
    expect(handler.handlerErrorCount).toBe(0);
  });

  it("negative counts from the provider: invalid_usage, the fields named", async () => {
    server.setScript({ usage: { promptTokens: -5, completionTokens: 3 } });
    const handler = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    const record = await oneRecord(handler);
    expect(record.cost).toBeNull();
    expect(record.reason).toBe("invalid_usage");
    expect(record.invalidUsage).toContain("inputTokens");
    expect(handler.handlerErrorCount).toBe(0);
  });

  it("keeps only maxRecords records, but exact totals", async () => {
    server.setScript({ usage: { promptTokens: 10, completionTokens: 1 } });
    const handler = new TokenCostCallbackHandler({ maxRecords: 2 });
    const model = fakeChatOpenAI(server);
    const ids = [
      "0190f0a0-0000-7000-8000-000000000201",
      "0190f0a0-0000-7000-8000-000000000202",
      "0190f0a0-0000-7000-8000-000000000203",
    ];
    for (const runId of ids) await model.invoke("x", { callbacks: [handler], runId });
    await awaitAllCallbacks();
    expect(handler.records.map((record) => record.runId)).toEqual(ids.slice(1));
    expect(handler.totals.calls).toBe(3);
  });

  it("rejects bad options at construction, naming the bad value", () => {
    expect(() => new TokenCostCallbackHandler({ maxTraces: 0 })).toThrow(/maxTraces.*0/);
    expect(() => new TokenCostCallbackHandler({ maxRecords: 1.5 })).toThrow(/maxRecords.*1\.5/);
    expect(() => new TokenCostCallbackHandler({ onRecord: "log" as never })).toThrow(/onRecord.*log/);
    expect(() => new TokenCostCallbackHandler({ prices: {} as never })).toThrow(/prices must be an array/);
  });
});
