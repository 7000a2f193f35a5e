import { RunBlockedError } from "@chainwatch/core";
import {
  type FakeOpenAI,
  fakeChatOpenAI,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
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
import { type BudgetEvent, BudgetExceededError, TokenCostCallbackHandler } from "../src/index.js";

// 10,000 input + 1,000 output tokens of gpt-4o-mini: $0.0015 + $0.0006 = $0.0021 a call.
const USAGE = { promptTokens: 10_000, completionTokens: 1_000 };
const CALL_USD = 0.0021;

let server: FakeOpenAI;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(async () => {
  server = await startFakeOpenAI();
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await server.close();
});
afterEach(() => {
  expect(unhandled).toEqual([]);
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

describe("budgets", () => {
  it("throw: the call after the total limit is stopped before its request leaves", async () => {
    server.setScript({ usage: USAGE });
    server.clearRequests();
    // A reservation of up to 1,000 output tokens ($0.0006) fits after the first call, not after the second.
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.004, maxOutputTokens: 1_000 },
      onHandlerError: () => {},
    });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [handler] });
    await model.invoke("two", { callbacks: [handler] });
    expect(server.completions()).toHaveLength(2);
    const error = await model.invoke("three", { callbacks: [handler] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toBeInstanceOf(RunBlockedError);
    expect(error).toMatchObject({ scope: "total", limitUsd: 0.004 });
    expect((error as BudgetExceededError).spentUsd).toBeCloseTo(2 * CALL_USD, 12);
    // No request for the third call reached the server.
    expect(server.completions()).toHaveLength(2);
    await awaitAllCallbacks();
    expect(handler.totals.calls).toBe(2);
    expect(handler.activeRunCount).toBe(0);
  });

  it("throw: a runaway agent loop is stopped by the per-trace limit, and a new trace may spend again", async () => {
    // A model that always asks for the tool again: the agent would loop until its recursion limit.
    server.setScript({ toolCalls: [{ name: "get_weather", args: { city: "Paris" } }], usage: USAGE });
    server.clearRequests();
    const handler = new TokenCostCallbackHandler({
      budget: { perTraceUsd: 0.005, maxOutputTokens: 1_000 },
      onHandlerError: () => {},
    });
    const agent = weatherAgent(fakeChatOpenAI(server));
    const input = { messages: [{ role: "user", content: "Weather?" }] };
    const error = await agent.invoke(input, { callbacks: [handler] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).scope).toBe("trace");
    // $0.0021 a call: the third call starts at $0.0042 + a $0.0006 reservation <= $0.005, the fourth at $0.0063
    // is stopped.
    expect(server.completions()).toHaveLength(3);
    await awaitAllCallbacks();
    expect(handler.activeRunCount).toBe(0);
    server.setScript(weatherAgentScript());
    await agent.invoke(input, { callbacks: [handler] });
    expect(server.completions()).toHaveLength(5);
  });

  it("warn: calls go ahead and the breach is reported once per trace", async () => {
    server.setScript({ usage: USAGE });
    server.clearRequests();
    const events: BudgetEvent[] = [];
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.001, onExceed: "warn", onBudgetExceeded: (event) => events.push(event) },
    });
    const model = fakeChatOpenAI(server);
    for (const question of ["a", "b", "c"]) await model.invoke(question, { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(server.completions()).toHaveLength(3);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ scope: "total", limitUsd: 0.001 });
    expect(handler.totals.calls).toBe(3);
  });

  it("throw: a stream is stopped before its request too", async () => {
    server.setScript({ usage: USAGE });
    server.clearRequests();
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.001, maxOutputTokens: 1_000 },
      onHandlerError: () => {},
    });
    const model = fakeChatOpenAI(server);
    await model.invoke("spend", { callbacks: [handler] });
    const error = await (async () => {
      for await (const _ of await model.stream("more", { callbacks: [handler] }));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(1);
  });

  it("parallel calls cannot overshoot: of calls started together, only those whose reservation fits are sent", async () => {
    server.setScript({ usage: { promptTokens: 8, completionTokens: 1_000 }, delayMs: 50 });
    server.clearRequests();
    // Each call reserves about $0.0006 (1,000 output tokens): three fit in $0.002, the other seven are refused.
    const handler = new TokenCostCallbackHandler({ budget: { totalUsd: 0.002, maxOutputTokens: 1_000 } });
    const model = fakeChatOpenAI(server);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => model.invoke(`call ${i}`, { callbacks: [handler] })),
    );
    await awaitAllCallbacks();
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(7);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(3);
    expect(handler.costUsd).toBeLessThanOrEqual(0.002);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a throwing onBudgetExceeded is reported once and does not change the run", async () => {
    server.setScript({ usage: USAGE });
    const failures: string[] = [];
    const handler = new TokenCostCallbackHandler({
      budget: {
        totalUsd: 0.001,
        onExceed: "warn",
        onBudgetExceeded: () => {
          throw new Error("alerting is down");
        },
      },
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    const model = fakeChatOpenAI(server);
    await model.invoke("a", { callbacks: [handler] });
    await model.invoke("b", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(handler.totals.calls).toBe(2);
    expect(failures).toEqual(["onBudgetExceeded"]);
  });

  it("the default onExceed is throw, which needs and sets raiseError", () => {
    expect(new TokenCostCallbackHandler({ budget: { totalUsd: 1 } }).raiseError).toBe(true);
    expect(new TokenCostCallbackHandler({ budget: { totalUsd: 1, onExceed: "warn" } }).raiseError).toBe(
      false,
    );
    expect(new TokenCostCallbackHandler().raiseError).toBe(false);
  });

  it("rejects bad budgets at construction, naming the bad value", () => {
    expect(() => new TokenCostCallbackHandler({ budget: { totalUsd: -1 } })).toThrow(/totalUsd.*-1/);
    expect(() => new TokenCostCallbackHandler({ budget: { perTraceUsd: Number.NaN } })).toThrow(
      /perTraceUsd.*NaN/,
    );
    expect(
      () => new TokenCostCallbackHandler({ budget: { totalUsd: 1, onExceed: "stop" as "throw" } }),
    ).toThrow(/onExceed.*stop/);
  });
});
