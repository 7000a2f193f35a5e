import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatUsd, TokenCostCallbackHandler } from "../src/index.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

describe("cost table", () => {
  it("one row per model, then the total; unpriced calls flagged", async () => {
    const handler = new TokenCostCallbackHandler();
    server.setScript({ usage: { promptTokens: 1_000, cachedTokens: 200, completionTokens: 100 } });
    await fakeChatOpenAI(server).invoke("a", { callbacks: [handler] });
    server.setScript({
      model: "gpt-4o-2024-08-06",
      usage: { promptTokens: 2_000, completionTokens: 300, reasoningTokens: 50 },
    });
    await fakeChatOpenAI(server, { model: "gpt-4o" }).invoke("b", { callbacks: [handler] });
    server.setScript({ model: "house-model", usage: { promptTokens: 5, completionTokens: 5 } });
    await fakeChatOpenAI(server, { model: "house-model" }).invoke("c", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(handler.table()).toBe(
      [
        "model              calls  input  cached  output  reasoning          cost",
        "-----------------  -----  -----  ------  ------  ---------  ------------",
        "gpt-4o-mini            1   1000     200     100          0     $0.000195",
        "gpt-4o-2024-08-06      1   2000       0     300         50     $0.008000",
        "house-model            1      5       0       5          0       unknown",
        "-----------------  -----  -----  ------  ------  ---------  ------------",
        "total                  3   3005     200     405         50  >= $0.008195",
        "1 call(s) could not be priced and are not in the cost.",
        "",
      ].join("\n"),
    );
  });

  it("reset() forgets records and totals", async () => {
    const handler = new TokenCostCallbackHandler();
    server.setScript({ usage: { promptTokens: 10, completionTokens: 1 } });
    await fakeChatOpenAI(server).invoke("a", {
      callbacks: [handler],
      runId: "0190f0a0-0000-7000-8000-000000000401",
    });
    await awaitAllCallbacks();
    expect(handler.totals.calls).toBe(1);
    handler.reset();
    expect(handler.totals).toMatchObject({ calls: 0, costUsd: 0 });
    expect(handler.records).toEqual([]);
    expect(handler.byModel().size).toBe(0);
    expect(handler.forTrace("0190f0a0-0000-7000-8000-000000000401")).toBeUndefined();
  });

  it("formats USD for sub-cent and larger amounts", () => {
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(0.000435)).toBe("$0.000435");
    expect(formatUsd(12.345)).toBe("$12.35");
  });
});
