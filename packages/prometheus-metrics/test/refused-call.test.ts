import { captureConsole, type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BudgetExceededError, TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { value } from "./helpers.js";

const RUNS = "langchain_runs_total";
const DURATION = "gen_ai_client_operation_duration_seconds";
// 10,000 input + 1,000 output tokens of gpt-4o-mini: $0.0021 a call. A $0.002 total budget lets the first call's
// reservation (a short prompt + 1,000 output tokens) through and refuses the second.
const USAGE = { promptTokens: 10_000, completionTokens: 1_000 };

describe("a call refused at its start by another handler (a budget)", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI({ usage: USAGE });
  });
  afterAll(async () => {
    await server.close();
  });

  function stack(order: "cost first" | "metrics first") {
    const registry = new Registry();
    const cost = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.002, maxOutputTokens: 1_000, onBudgetExceeded: () => {} },
    });
    const metrics = new PrometheusCallbackHandler({ registry, cost });
    const callbacks = order === "cost first" ? [cost, metrics] : [metrics, cost];
    return { registry, cost, metrics, callbacks };
  }

  for (const order of ["cost first", "metrics first"] as const) {
    it(`leaves runs_in_flight at once and counts as abandoned, not as a call made (${order})`, async () => {
      const { registry, cost, metrics, callbacks } = stack(order);
      server.clearRequests();
      const model = fakeChatOpenAI(server);
      // LangChain prints one line for a handler that refuses a call: captured and checked.
      const output = captureConsole();
      let refused: unknown;
      try {
        await model.invoke("one", { callbacks });
        refused = await model.invoke("two", { callbacks }).catch((error: unknown) => error);
        await awaitAllCallbacks();
      } finally {
        output.restore();
      }
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect(output.lines).toHaveLength(1);
      expect(output.text()).toMatch(
        /Error in handler TokenCostCallbackHandler, handleLLMStart: BudgetExceededError/,
      );
      expect(server.completions()).toHaveLength(1);

      // No end or error event follows a refused start: the run must not wait for eviction to leave the gauge.
      expect(await value(registry, "langchain_runs_in_flight", undefined, { run_type: "llm" })).toBe(0);
      expect(metrics.activeRunCount).toBe(0);
      // Counted once, as every run that ends without an end event; not as a call made (ok or error), and not in
      // the operation histogram: no request left.
      expect(await value(registry, RUNS, undefined, { run_type: "llm", status: "ok" })).toBe(1);
      expect(await value(registry, RUNS, undefined, { run_type: "llm", status: "error" })).toBe(0);
      expect(await value(registry, RUNS, undefined, { run_type: "llm", status: "abandoned" })).toBe(1);
      expect(await value(registry, DURATION, `${DURATION}_count`)).toBe(1);
      // The refused call cost nothing: metrics' cost is the cost handler's, and the tokens are the first call's.
      expect(await value(registry, "langchain_input_tokens_total")).toBe(USAGE.promptTokens);
      expect(await value(registry, "langchain_cost_usd_total")).toBeCloseTo(cost.totals.costUsd, 15);
      expect(cost.totals.calls).toBe(1);
    });
  }
});
