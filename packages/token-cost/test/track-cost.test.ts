import { type FakeOpenAI, fakeChatOpenAI, promptChain, startFakeOpenAI } from "@chainwatch/testkit";
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
import { BudgetExceededError, TokenCostCallbackHandler, trackCost } from "../src/index.js";

const CALL_USD = (100 * 0.15 + 10 * 0.6) / 1e6;

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI({ usage: { promptTokens: 100, completionTokens: 10 } });
});
afterAll(async () => {
  await server.close();
});

// LangChain prints "Error in handler …" for a handler that refuses a call (no way around it for a plain model, see
// the README): captured, and checked to be nothing else, so that a green run prints nothing that reads as a failure.
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

describe("trackCost", () => {
  it("returns the result and the cost of every call inside, with no callbacks passed", async () => {
    const model = fakeChatOpenAI(server);
    const { result, cost, records, table } = await trackCost(async () => {
      const first = await model.invoke("one");
      const second = await promptChain(model).invoke({ question: "two" });
      return `${String(first.content)} / ${second}`;
    });
    expect(result).toBe("You said: one / You said: two");
    expect(cost.calls).toBe(2);
    expect(cost.costUsd).toBeCloseTo(2 * CALL_USD, 14);
    expect(records.map((record) => record.model)).toEqual(["gpt-4o-mini", "gpt-4o-mini"]);
    expect(table).toContain("gpt-4o-mini");
  });

  it("does not see calls made outside the scope, before or after, nor in a concurrent scope", async () => {
    const model = fakeChatOpenAI(server);
    await model.invoke("before");
    const [a, b] = await Promise.all([
      trackCost(async () => {
        await model.invoke("a1");
        await model.invoke("a2");
      }),
      trackCost(() => model.invoke("b1")),
    ]);
    await model.invoke("after");
    await trackCost(() => model.invoke("a later scope"));
    await awaitAllCallbacks();
    expect(a.cost.calls).toBe(2);
    expect(b.cost.calls).toBe(1);
    // Their handlers stay detached once their scope is over.
    expect(a.handler.totals.calls).toBe(2);
    expect(b.handler.totals.calls).toBe(1);
  });

  it("nests: the outer scope counts the inner scope's calls too", async () => {
    const model = fakeChatOpenAI(server);
    let inner = 0;
    const outer = await trackCost(async () => {
      await model.invoke("outer");
      inner = (await trackCost(() => model.invoke("inner"))).cost.calls;
    });
    expect(inner).toBe(1);
    expect(outer.cost.calls).toBe(2);
  });

  it("is not hidden by an explicit token_cost handler on the same calls", async () => {
    const explicit = new TokenCostCallbackHandler();
    const model = fakeChatOpenAI(server);
    const { cost } = await trackCost(() => model.invoke("both", { callbacks: [explicit] }));
    await awaitAllCallbacks();
    expect(cost.calls).toBe(1);
    expect(explicit.totals.calls).toBe(1);
  });

  it("enforces a budget inside the scope: the call is stopped and the error reaches the caller", async () => {
    server.clearRequests();
    const model = fakeChatOpenAI(server);
    let handlerSeen: TokenCostCallbackHandler | undefined;
    const error = await trackCost(
      async (handler) => {
        handlerSeen = handler;
        for (let i = 0; i < 10; i++) await model.invoke(`loop ${i}`);
      },
      { budget: { totalUsd: 2.5 * CALL_USD, maxOutputTokens: 10 }, onHandlerError: () => {} },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(3);
    expect(handlerSeen?.totals.calls).toBe(3);
  });
});
