import { fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Counter, Registry, register } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { callbacks, value } from "./helpers.js";

describe("handlers sharing a registry", () => {
  afterEach(() => {
    register.clear();
  });

  it("two handlers on one registry share the metrics instead of throwing 'already registered'", async () => {
    const server = await startFakeOpenAI({ content: "shared" });
    try {
      const registry = new Registry();
      const first = new PrometheusCallbackHandler({ registry });
      const second = new PrometheusCallbackHandler({ registry });
      expect(second.metrics.operationDuration).toBe(first.metrics.operationDuration);
      await fakeChatOpenAI(server).invoke("a", { callbacks: [first] });
      await fakeChatOpenAI(server).invoke("b", { callbacks: [second] });
      await fakeChatOpenAI(server).invoke("c", { callbacks: [first.copy()] });
      await awaitAllCallbacks();
      expect(
        await value(
          registry,
          "gen_ai_client_operation_duration_seconds",
          "gen_ai_client_operation_duration_seconds_count",
        ),
      ).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("caps label values per registry, across handlers", async () => {
    const registry = new Registry();
    const first = new PrometheusCallbackHandler({ registry, maxLabelValues: { models: 1 } });
    const second = new PrometheusCallbackHandler({ registry });
    for (const [handler, model] of [
      [first, "model-a"],
      [second, "model-b"],
    ] as const) {
      callbacks(handler).handleChatModelStart({}, [], model, undefined, {}, [], { ls_model_name: model });
      callbacks(handler).handleLLMEnd({ generations: [] } as never, model);
    }
    const text = await registry.metrics();
    expect(text).toMatch(/gen_ai_request_model="model-a"/);
    expect(text).not.toMatch(/model-b/);
    expect(text).toMatch(/gen_ai_request_model="_OTHER"/);
  });

  it("uses prom-client's global register by default", () => {
    const handler = new PrometheusCallbackHandler();
    expect(register.getSingleMetric("gen_ai_client_token_usage")).toBe(handler.metrics.tokenUsage);
    expect(() => new PrometheusCallbackHandler()).not.toThrow();
  });

  it("explains a clash with a differently shaped metric instead of failing later", () => {
    const registry = new Registry();
    new PrometheusCallbackHandler({ registry });
    expect(() => new PrometheusCallbackHandler({ registry, labels: { service: "x" } })).toThrow(
      /already registered on this registry with labels/,
    );
    expect(() => new PrometheusCallbackHandler({ registry, buckets: { tokenUsage: [1, 10, 100] } })).toThrow(
      /buckets \[1,4,16/,
    );
    const other = new Registry();
    new Counter({ name: "gen_ai_client_token_usage", help: "app's own", registers: [other] });
    expect(() => new PrometheusCallbackHandler({ registry: other })).toThrow(
      /type counter \(want histogram\)/,
    );
  });

  it("a different prefix on the same registry gets its own LangChain metrics", () => {
    const registry = new Registry();
    new PrometheusCallbackHandler({ registry, prefix: "app_a_" });
    expect(registry.getSingleMetric("app_a_runs_total")).toBeDefined();
    expect(registry.getSingleMetric("langchain_runs_total")).toBeUndefined();
  });
});
