import type { CostSource } from "@chainwatch/core";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TokenCostCallbackHandler } from "../src/index.js";
import { PriceBook } from "../src/prices.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Another handler on the same run that asks a cost source for each call's cost, as metrics and logs do. */
class CostProbe extends BaseCallbackHandler {
  name = "cost_probe";
  readonly costs: (number | undefined)[] = [];
  constructor(
    private readonly source: CostSource,
    private readonly hint = { model: "gpt-4o-mini", provider: "openai" },
  ) {
    super();
  }
  override handleLLMEnd(output: unknown): void {
    this.costs.push(this.source.costOfLLMResult(output, this.hint));
  }
}

describe("TokenCostCallbackHandler as a CostSource", () => {
  it("prices a call from its result exactly as its own record does, before or after its own end callback", async () => {
    server.setScript({ usage: { promptTokens: 1200, cachedTokens: 200, completionTokens: 300 } });
    for (const order of ["probe first", "probe last"] as const) {
      const cost = new TokenCostCallbackHandler();
      const probe = new CostProbe(cost);
      const callbacks = order === "probe first" ? [probe, cost] : [cost, probe];
      await fakeChatOpenAI(server).invoke("hello", { callbacks });
      await awaitAllCallbacks();
      expect(probe.costs, order).toEqual([cost.records[0]?.cost?.totalUsd]);
      // 1000 uncached × $0.15/M + 200 cached × $0.075/M + 300 × $0.60/M.
      expect(probe.costs[0], order).toBeCloseTo(0.000345, 12);
    }
  });

  it("prices each result once: the handler and its users share the work, whatever their order", async () => {
    server.setScript({ usage: { promptTokens: 50, completionTokens: 5 } });
    const price = vi.spyOn(PriceBook.prototype, "price");
    const cost = new TokenCostCallbackHandler();
    const first = new CostProbe(cost);
    const second = new CostProbe(cost);
    await fakeChatOpenAI(server).batch(["a", "b", "c"], { callbacks: [first, cost, second] });
    await awaitAllCallbacks();
    expect(price).toHaveBeenCalledTimes(3);
    expect(first.costs).toEqual(second.costs);
    expect(first.costs.reduce((sum = 0, usd) => sum + (usd ?? 0), 0)).toBeCloseTo(cost.costUsd, 15);
  });

  it("is pure: asking records nothing and counts nothing towards budgets", async () => {
    server.setScript({ usage: { promptTokens: 10, completionTokens: 2 } });
    const cost = new TokenCostCallbackHandler({ budget: { totalUsd: 1e-9 } });
    const other = new TokenCostCallbackHandler();
    await fakeChatOpenAI(server).invoke("hello", { callbacks: [other, new CostProbe(cost)] });
    await awaitAllCallbacks();
    expect(cost.totals.calls).toBe(0);
    expect(cost.costUsd).toBe(0);
    expect(other.totals.calls).toBe(1);
  });

  it("uses the response's model first, then the hint, and the handler's custom prices", async () => {
    const cost = new TokenCostCallbackHandler({
      prices: [{ model: "house-model", prices: { input_mtok: 1, output_mtok: 2 } }],
    });
    server.setScript({
      model: "house-model",
      usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 },
    });
    const probe = new CostProbe(cost, { model: "gpt-4o-mini", provider: "openai" });
    await fakeChatOpenAI(server, { model: "house-model" }).invoke("hi", { callbacks: [probe] });
    await awaitAllCallbacks();
    expect(probe.costs).toEqual([3]);

    const bare = {
      generations: [
        [
          {
            text: "",
            message: {
              usage_metadata: { input_tokens: 1_000_000, output_tokens: 0, total_tokens: 1_000_000 },
            },
          },
        ],
      ],
    };
    expect(cost.costOfLLMResult(bare, { model: "house-model" })).toBe(1);
  });

  it("is undefined when the result cannot be priced: no usage, unknown model, unusable counts, no model", async () => {
    const cost = new TokenCostCallbackHandler();
    server.setScript({ usage: null });
    const probe = new CostProbe(cost);
    await fakeChatOpenAI(server).invoke("no usage", { callbacks: [probe] });
    server.setScript({ model: "no-such-model-anywhere", usage: { promptTokens: 10, completionTokens: 2 } });
    const unknown = new CostProbe(cost, { model: "no-such-model-anywhere", provider: "openai" });
    await fakeChatOpenAI(server, { model: "no-such-model-anywhere" }).invoke("unknown", {
      callbacks: [unknown],
    });
    await awaitAllCallbacks();
    expect(probe.costs).toEqual([undefined]);
    expect(unknown.costs).toEqual([undefined]);
    const invalid = {
      generations: [[{ text: "", message: { usage_metadata: { input_tokens: -5, output_tokens: 1 } } }]],
    };
    expect(cost.costOfLLMResult(invalid, { model: "gpt-4o-mini", provider: "openai" })).toBeUndefined();
    const unnamed = {
      generations: [
        [{ text: "", message: { usage_metadata: { input_tokens: 5, output_tokens: 1, total_tokens: 6 } } }],
      ],
    };
    expect(cost.costOfLLMResult(unnamed, {})).toBeUndefined();
    expect(cost.costOfLLMResult(null, {})).toBeUndefined();
    expect(cost.costOfLLMResult("text", {})).toBeUndefined();
  });
});
