import { spawnSync } from "node:child_process";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { findBinary } from "./binaries.js";
import { drain, samples, value } from "./helpers.js";

const COST = "langchain_cost_usd_total";

describe("cost counter from a cost source", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });

  it("sums token-cost's price of every call by provider and model, equal to token-cost's own total", async () => {
    const registry = new Registry();
    const cost = new TokenCostCallbackHandler();
    // The metrics handler first: it asks before token-cost has seen the call.
    const handler = new PrometheusCallbackHandler({ registry, cost });
    server.setScript((request) => ({
      model: request.body?.model === "gpt-4o" ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18",
      usage: { promptTokens: 1200, cachedTokens: 200, completionTokens: 300 },
    }));
    const mini = fakeChatOpenAI(server);
    const big = fakeChatOpenAI(server, { model: "gpt-4o" });
    await mini.invoke("one", { callbacks: [handler, cost] });
    await drain(mini.stream("two", { callbacks: [handler, cost] }));
    await big.invoke("three", { callbacks: [handler, cost] });
    await awaitAllCallbacks();

    const byModel = Object.fromEntries(
      (await samples(registry, COST)).map((sample) => [sample.labels.gen_ai_response_model, sample.value]),
    );
    const own = cost.byModel();
    expect(Object.keys(byModel).sort()).toEqual(["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"]);
    expect(byModel["gpt-4o-mini-2024-07-18"]).toBeCloseTo(
      own.get("gpt-4o-mini-2024-07-18")?.costUsd ?? -1,
      15,
    );
    expect(byModel["gpt-4o-2024-08-06"]).toBeCloseTo(own.get("gpt-4o-2024-08-06")?.costUsd ?? -1, 15);
    expect(await value(registry, COST)).toBeCloseTo(cost.costUsd, 15);
    // gpt-4o-mini: 1000 × $0.15/M + 200 × $0.075/M + 300 × $0.60/M, twice.
    expect(byModel["gpt-4o-mini-2024-07-18"]).toBeCloseTo(2 * 0.000345, 15);
    const [sample] = await samples(registry, COST, COST, { gen_ai_request_model: "gpt-4o" });
    expect(sample?.labels).toMatchObject({ gen_ai_operation_name: "chat", gen_ai_provider_name: "openai" });
  });

  it("takes a plain function of the result and the start event's model and provider", async () => {
    const registry = new Registry();
    const hints: unknown[] = [];
    const handler = new PrometheusCallbackHandler({
      registry,
      labels: { service: "billing" },
      cost: (_output, hint) => {
        hints.push(hint);
        return 0.5;
      },
    });
    server.setScript({ usage: { promptTokens: 1, completionTokens: 1 } });
    await fakeChatOpenAI(server).batch(["a", "b"], { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(await value(registry, COST, COST, { service: "billing" })).toBe(1);
    // The run id rides along, so a source can estimate a call it has not seen end yet.
    expect(hints).toEqual([
      { model: "gpt-4o-mini", provider: "openai", runId: expect.any(String) },
      { model: "gpt-4o-mini", provider: "openai", runId: expect.any(String) },
    ]);
  });

  it("adds nothing for calls the source cannot price, and none without a source", async () => {
    const registry = new Registry();
    const withSource = new PrometheusCallbackHandler({ registry, cost: new TokenCostCallbackHandler() });
    server.setScript({ usage: null });
    await fakeChatOpenAI(server).invoke("no usage", { callbacks: [withSource] });
    const other = new Registry();
    server.setScript({ usage: { promptTokens: 10, completionTokens: 10 } });
    await fakeChatOpenAI(server).invoke("no source", {
      callbacks: [new PrometheusCallbackHandler({ registry: other })],
    });
    await awaitAllCallbacks();
    expect(await samples(registry, COST)).toEqual([]);
    expect(await samples(other, COST)).toEqual([]);
    expect(await value(registry, "langchain_runs_total", undefined, { run_type: "llm", status: "ok" })).toBe(
      1,
    );
  });

  it("a throwing cost source is reported once and the call's other metrics are kept", async () => {
    const registry = new Registry();
    const failures: string[] = [];
    const handler = new PrometheusCallbackHandler({
      registry,
      cost: () => {
        throw new Error("price service down");
      },
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    server.setScript({ usage: { promptTokens: 7, completionTokens: 3 } });
    await fakeChatOpenAI(server).batch(["a", "b"], { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(failures).toEqual(["cost"]);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(14);
    expect(await value(registry, "langchain_handler_errors_total", undefined, { method: "cost" })).toBe(2);
    expect(await samples(registry, COST)).toEqual([]);
  });

  it("rejects a cost option that is neither a function nor a cost source", () => {
    expect(() => new PrometheusCallbackHandler({ registry: new Registry(), cost: 0.01 as never })).toThrow(
      "PrometheusCallbackHandler: cost must be a function or have a costOfLLMResult() method",
    );
  });

  it("the cost counter's name and help pass promtool check metrics", async (context) => {
    const promtool = findBinary("promtool");
    if (!promtool) {
      if (process.env.CI === "true")
        throw new Error("promtool not found; CI must install it: apt-get install -y prometheus");
      context.skip("promtool not installed: apt-get install -y prometheus");
      return;
    }
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry, cost: new TokenCostCallbackHandler() });
    server.setScript({ usage: { promptTokens: 100, completionTokens: 20 } });
    await fakeChatOpenAI(server).invoke("a", { callbacks: [handler] });
    await awaitAllCallbacks();
    const text = await registry.metrics();
    expect(text).toMatch(/^langchain_cost_usd_total\{.*gen_ai_response_model="gpt-4o-mini".*\} 0\.000027$/m);
    const result = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
    });
  });

  it("no usage from the provider: the cost source's estimate is counted, and marked as the estimated part", async () => {
    const registry = new Registry();
    // The shape of TokenCostCallbackHandler's source: a figure, and whether it is its tokenizer estimate.
    const source = {
      costOfLLMResult: () => 0.25,
      costDetailOfLLMResult: () => ({ usd: 0.25, estimated: true }),
    };
    const handler = new PrometheusCallbackHandler({ registry, cost: source });
    server.setScript({ usage: null, content: "no usage reported" });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(await value(registry, COST)).toBe(0.25);
    expect(await value(registry, "langchain_cost_estimated_usd_total")).toBe(0.25);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(0);
  });

  it("a usage of 1e20 tokens is invalid: no token count recorded, and the source's answer for it is kept", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry, cost: () => undefined });
    server.setScript({ usage: { promptTokens: 1e20, completionTokens: 10 } });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(await value(registry, "langchain_input_tokens_total")).toBe(0);
    expect(await value(registry, "langchain_output_tokens_total")).toBe(0);
    expect(await value(registry, "gen_ai_client_token_usage", "gen_ai_client_token_usage_count")).toBe(0);
    expect(await value(registry, COST)).toBe(0);
    expect(await value(registry, "langchain_runs_total", undefined, { status: "ok" })).toBe(1);
  });
});
