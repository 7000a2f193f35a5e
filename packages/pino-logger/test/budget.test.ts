import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BudgetExceededError, TokenCostCallbackHandler } from "@chainwatch/token-cost";
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
import { PinoCallbackHandler } from "../src/index.js";
import { captureLogger } from "./helpers.js";

// 10 input + 500 output tokens of gpt-4o-mini: $0.0003015 a call; with maxOutputTokens 500 two calls fit under
// $0.0007 and the third is refused.
const USAGE = { promptTokens: 10, completionTokens: 500 };
const BUDGET = { totalUsd: 0.0007, maxOutputTokens: 500 };

let server: FakeOpenAI;
let printed: MockInstance<typeof console.error>;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setScript({ usage: USAGE });
  server.clearRequests();
  // LangChain prints its own line for a call a handler refuses (see token-cost's README): captured and checked.
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

describe("budget records", () => {
  it("a refusal is one warn record with the numbers; a working budget writes nothing at info", async () => {
    const capture = captureLogger("info");
    const cost = new TokenCostCallbackHandler({ budget: BUDGET });
    const handler = new PinoCallbackHandler({ logger: capture.logger, cost });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [cost, handler] });
    await model.invoke("two", { callbacks: [cost, handler] });
    const error = await model.invoke("three", { callbacks: [cost, handler] }).catch((e: unknown) => e);
    await awaitAllCallbacks();
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(2);

    const budgetRecords = capture.records().filter((record) => record.msg.startsWith("budget."));
    expect(budgetRecords.map((record) => record.msg)).toEqual(["budget.refused"]);
    const [refused] = budgetRecords;
    expect(refused).toMatchObject({
      level: 40,
      run_type: "llm",
      model: "gpt-4o-mini",
      limit: "total",
      limit_usd: 0.0007,
      key: "default",
      reason: "exceeded",
      // Two calls of $0.0003015 settled, nothing held: rounded like cost_usd, no float noise.
      spent_usd: 0.000603,
      reserved_usd: 0,
    });
    expect(refused?.requested_usd).toBeGreaterThan(0.0003);
    expect(refused?.requested_usd).toBeLessThan(0.00031);
    expect(String(refused?.requested_usd).length).toBeLessThanOrEqual(10);
    expect(refused?.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused?.root_run_id).toBe(refused?.run_id);
    // The refused call is neither of the two that ended.
    const ended = capture.events("llm.end").map((record) => record.run_id);
    expect(ended).toHaveLength(2);
    expect(ended).not.toContain(refused?.run_id);
  });

  it("at debug, each call's reservation and settlement are records; the settlement is the call's cost_usd", async () => {
    const capture = captureLogger("debug");
    const cost = new TokenCostCallbackHandler({ budget: BUDGET });
    const handler = new PinoCallbackHandler({ logger: capture.logger, cost });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [cost, handler] });
    server.setScript({ status: 500 });
    await expect(model.invoke("two", { callbacks: [cost, handler] })).rejects.toThrow();
    await awaitAllCallbacks();

    expect(
      capture
        .records()
        .filter((r) => r.msg.startsWith("budget."))
        .map((r) => r.msg),
    ).toEqual(["budget.reserved", "budget.settled", "budget.reserved", "budget.released"]);
    const [reserved] = capture.events("budget.reserved");
    const [settled] = capture.events("budget.settled");
    const [end] = capture.events("llm.end");
    expect(reserved?.level).toBe(20);
    expect(reserved?.run_id).toBe(end?.run_id);
    expect(reserved?.reserved_usd).toBeGreaterThan(0.0003);
    expect(settled).toMatchObject({ run_id: end?.run_id, spent_usd: end?.cost_usd, key: "default" });
    expect(settled?.released_usd).toBe(reserved?.reserved_usd);
    expect(end?.cost_usd).toBe(0.0003015);
    const [released] = capture.events("budget.released");
    expect(released).toMatchObject({
      cause: "error",
      released_usd: capture.events("budget.reserved")[1]?.reserved_usd,
    });
  });

  it("warn mode: the limit reached is one warn record, and the call goes on", async () => {
    const capture = captureLogger("info");
    const cost = new TokenCostCallbackHandler({
      budget: { ...BUDGET, totalUsd: 0.0004, onExceed: "warn", onBudgetExceeded: () => {} },
    });
    const handler = new PinoCallbackHandler({ logger: capture.logger, cost });
    const model = fakeChatOpenAI(server);
    for (const input of ["one", "two", "three"]) await model.invoke(input, { callbacks: [cost, handler] });
    await awaitAllCallbacks();
    expect(server.completions()).toHaveLength(3);
    const records = capture.records().filter((record) => record.msg.startsWith("budget."));
    expect(records).toEqual([
      expect.objectContaining({
        msg: "budget.exceeded",
        level: 40,
        limit: "total",
        limit_usd: 0.0004,
        spent_usd: 0.0003015,
        key: "default",
      }),
    ]);
  });

  it("a logger that fails on a budget record is reported once and the call goes on", async () => {
    const reported: string[] = [];
    const capture = captureLogger("debug", {
      hooks: {
        logMethod(args, method) {
          if (args[1] === "budget.reserved") throw new Error("sink down");
          method.apply(this, args);
        },
      },
    });
    const cost = new TokenCostCallbackHandler({ budget: BUDGET });
    const handler = new PinoCallbackHandler({
      logger: capture.logger,
      cost,
      onHandlerError: (error, context) =>
        reported.push(`${context.method}: ${error instanceof Error ? error.message : String(error)}`),
    });
    const model = fakeChatOpenAI(server);
    const answer = await model.invoke("one", { callbacks: [cost, handler] });
    await model.invoke("two", { callbacks: [cost, handler] });
    await awaitAllCallbacks();
    expect(answer.content).toBe("You said: one");
    expect(reported).toEqual(["onBudgetDecision: sink down"]);
    expect(capture.events("budget.settled")).toHaveLength(2);
  });
});
