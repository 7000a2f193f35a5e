import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import { BudgetExceededError, TokenCostCallbackHandler } from "../src/index.js";

// Issue 18.1: a call that waits longer than `runs.ttlMs` for its provider is slow, not abandoned. It must be
// charged when it ends, and a budget must see that charge before the next call leaves.
const USAGE = { promptTokens: 10_000, completionTokens: 1_000 }; // $0.0021 with gpt-4o-mini

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});
// LangChain's own line for the refused call (see the README), captured and checked.
let printed: MockInstance<typeof console.error>;
beforeEach(() => {
  printed = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  for (const call of printed.mock.calls) {
    expect(String(call[0])).toMatch(
      /^Error in handler TokenCostCallbackHandler, handleLLMStart: BudgetExceededError/,
    );
  }
  printed.mockRestore();
});

describe("a slow call (longer than runs.ttlMs)", () => {
  it("is counted when its result arrives", async () => {
    server.setScript([{ usage: USAGE, delayMs: 2_500 }, { usage: USAGE }]);
    const handler = new TokenCostCallbackHandler({ runs: { ttlMs: 1_000 } });
    const model = fakeChatOpenAI(server);
    // A second, quick call after the TTL makes the tracker sweep, as any busy service would.
    const slow = model.invoke("slow", { callbacks: [handler] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await model.invoke("quick", { callbacks: [handler] });
    await slow;
    await awaitAllCallbacks();
    expect(handler.totals.calls).toBe(2);
    expect(handler.costUsd).toBeCloseTo(2 * 0.0021, 12);
  }, 10_000);

  it("with a budget, is charged so the next call is refused before its request", async () => {
    server.setScript([{ usage: USAGE, delayMs: 2_500 }, { usage: USAGE }, { usage: USAGE }]);
    server.clearRequests();
    // Room for one call and a bit: after the slow call and the quick one ($0.0042), nothing more may leave.
    const handler = new TokenCostCallbackHandler({
      runs: { ttlMs: 1_000 },
      budget: { totalUsd: 0.004, maxOutputTokens: 1_000 },
    });
    const model = fakeChatOpenAI(server);
    const slow = model.invoke("slow", { callbacks: [handler] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await model.invoke("quick", { callbacks: [handler] });
    await slow;
    await awaitAllCallbacks();
    const error = await model.invoke("next", { callbacks: [handler] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(2);
    expect(handler.costUsd).toBeCloseTo(2 * 0.0021, 12);
  }, 10_000);

  it("evicted anyway (a short in-flight bound), its late end is still charged and settles its reservation", async () => {
    server.setScript([{ usage: USAGE, delayMs: 2_500 }, { usage: USAGE }, { usage: USAGE }]);
    server.clearRequests();
    const handler = new TokenCostCallbackHandler({
      runs: { ttlMs: 1_000, inFlightTtlMs: 1_000 },
      budget: { totalUsd: 0.004, maxOutputTokens: 1_000 },
    });
    const model = fakeChatOpenAI(server);
    const slow = model.invoke("slow", { callbacks: [handler] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await model.invoke("quick", { callbacks: [handler] });
    await slow;
    await awaitAllCallbacks();
    // It really was evicted (the tracker's count), and its end still reached the handler.
    expect((handler as unknown as { runs: { evicted: number } }).runs.evicted).toBe(1);
    expect(handler.totals.calls).toBe(2);
    await expect(model.invoke("next", { callbacks: [handler] })).rejects.toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(2);
  }, 10_000);
});
