import { captureConsole, type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BudgetExceededError } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObservability } from "../src/index.js";
import { captureLogger, sumSamples } from "./helpers.js";

// 10 input + 500 output tokens of gpt-4o-mini: $0.0003015 a call; with maxOutputTokens 500 the second call's
// reservation does not fit under $0.0004.
const USAGE = { promptTokens: 10, completionTokens: 500 };

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

describe("the stack's budget figures", () => {
  it("exports each budget metric once and logs the refusal, with no wiring by hand", async () => {
    server.setScript({ usage: USAGE });
    server.clearRequests();
    const registry = new Registry();
    const logs = captureLogger();
    const stack = await createObservability({
      registry,
      logger: logs.logger,
      redact: false,
      budget: { totalUsd: 0.0004, perTraceUsd: 0.01, maxOutputTokens: 500 },
    });
    const model = fakeChatOpenAI(server);
    await model.invoke("first", { callbacks: stack.callbacks });
    const output = captureConsole();
    try {
      const error = await model.invoke("second", { callbacks: stack.callbacks }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BudgetExceededError);
      await awaitAllCallbacks();
      await stack.close();
    } finally {
      output.restore();
    }
    for (const line of output.lines) {
      expect(line).toMatch(
        /^error: Error in handler CombinedCallbackHandler, handleLLMStart: BudgetExceededError/,
      );
    }
    expect(server.completions()).toHaveLength(1);

    const text = await registry.metrics();
    for (const name of [
      "langchain_budget_reserved_usd",
      "langchain_budget_spent_usd_total",
      "langchain_budget_refusals_total",
      "langchain_budget_limit_usd",
      "langchain_budget_exceeded_total",
    ]) {
      expect(
        text
          .split("\n")
          .filter((line) => line === `# TYPE ${name} ${name.endsWith("_usd") ? "gauge" : "counter"}`),
      ).toHaveLength(1);
    }
    expect(sumSamples(text, "langchain_budget_refusals_total", 'reason="exceeded"')).toBe(1);
    expect(sumSamples(text, "langchain_budget_exceeded_total", 'scope="total"')).toBe(1);
    expect(sumSamples(text, "langchain_budget_limit_usd", 'scope="total"')).toBe(0.0004);
    expect(sumSamples(text, "langchain_budget_reserved_usd")).toBe(0);
    expect(sumSamples(text, "langchain_budget_spent_usd_total", 'limit="total"')).toBeCloseTo(
      stack.handlers.cost.costUsd,
      12,
    );

    const refused = logs.records().filter((record) => record.msg === "budget.refused");
    expect(refused).toEqual([
      expect.objectContaining({ level: 40, limit: "total", reason: "exceeded", spent_usd: 0.0003015 }),
    ]);
  });
});
