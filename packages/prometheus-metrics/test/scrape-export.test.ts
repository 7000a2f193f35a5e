import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { callbacks, value } from "./helpers.js";

const DURATION = "gen_ai_client_operation_duration_seconds";
const METADATA = { ls_provider: "openai", ls_model_name: "gpt-4o-mini" };
const OUTPUT = {
  generations: [
    [{ text: "", message: { usage_metadata: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } } }],
  ],
};

function calls(handler: PrometheusCallbackHandler, count: number, prefix = "run"): void {
  for (let i = 0; i < count; i++) {
    callbacks(handler).handleChatModelStart({}, [], `${prefix}-${i}`, undefined, {}, [], METADATA);
    callbacks(handler).handleLLMEnd(OUTPUT as never, `${prefix}-${i}`);
  }
}

describe("scrape-time export", () => {
  it("hands every buffered observation and count to prom-client, across buffer flushes", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    calls(handler, 203);
    expect(await value(registry, DURATION, `${DURATION}_count`)).toBe(203);
    expect(await value(registry, "gen_ai_client_token_usage", "gen_ai_client_token_usage_sum")).toBe(203 * 5);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(203 * 3);
    calls(handler, 5, "more");
    const text = await registry.metrics();
    expect(text).toMatch(/^langchain_runs_total\{run_type="llm",status="ok"\} 208$/m);
    expect(text).toMatch(/^langchain_input_tokens_total\{.*\} 624$/m);
  });

  it("a failing collector step is reported and the rest of the scrape still works", async () => {
    const registry = new Registry();
    const failures: string[] = [];
    const handler = new PrometheusCallbackHandler({
      registry,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    calls(handler, 2);
    Object.defineProperty(handler.metrics.runs, "inc", {
      value: () => {
        throw new Error("counter broken");
      },
    });
    const text = await registry.metrics();
    expect(text).toMatch(/^gen_ai_client_operation_duration_seconds_count\{.*\} 2$/m);
    expect(text).toMatch(/^langchain_input_tokens_total\{.*\} 6$/m);
    expect(failures).toEqual(["collect:runs"]);
  });

  it("counts every one of its own failures in handler_errors_total, reporting only the first", async () => {
    const registry = new Registry();
    const failures: string[] = [];
    const handler = new PrometheusCallbackHandler({
      registry,
      labels: { service: "svc" },
      cost: () => {
        throw new Error("price table broken");
      },
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    calls(handler, 4);
    expect(failures).toEqual(["cost"]);
    expect(handler.handlerErrorCount).toBe(4);
    expect(
      await value(registry, "langchain_handler_errors_total", undefined, { method: "cost", service: "svc" }),
    ).toBe(4);
    // The calls' other metrics are all there.
    expect(await value(registry, "langchain_input_tokens_total")).toBe(12);
    expect(handler.activeRunCount).toBe(0);
  });
});
