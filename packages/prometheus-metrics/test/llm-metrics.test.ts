import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { drain, samples, value } from "./helpers.js";

const DURATION = "gen_ai_client_operation_duration_seconds";
const TTFC = "gen_ai_client_operation_time_to_first_chunk_seconds";
const USAGE = "gen_ai_client_token_usage";

describe("LLM call metrics", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });

  it("counts calls and sums tokens exactly, labelled with the semconv attributes", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({
      content: "hello there",
      model: "gpt-4o-mini-2024-07-18",
      usage: {
        promptTokens: 30,
        completionTokens: 12,
        cachedTokens: 10,
        reasoningTokens: 4,
        cacheWriteTokens: 2,
      },
    });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [handler] });
    await model.invoke("two", { callbacks: [handler] });
    await awaitAllCallbacks();

    const labels = {
      gen_ai_operation_name: "chat",
      gen_ai_provider_name: "openai",
      gen_ai_request_model: "gpt-4o-mini",
      gen_ai_response_model: "gpt-4o-mini-2024-07-18",
    };
    expect(await value(registry, DURATION, `${DURATION}_count`, { ...labels, error_type: "" })).toBe(2);
    expect(await value(registry, USAGE, `${USAGE}_sum`, { ...labels, gen_ai_token_type: "input" })).toBe(60);
    expect(await value(registry, USAGE, `${USAGE}_sum`, { ...labels, gen_ai_token_type: "output" })).toBe(24);
    expect(await value(registry, USAGE, `${USAGE}_count`, { ...labels, gen_ai_token_type: "output" })).toBe(
      2,
    );
    // 30 input tokens fall in the le=64 bucket, not in le=16.
    expect(await value(registry, USAGE, `${USAGE}_bucket`, { gen_ai_token_type: "input", le: "16" })).toBe(0);
    expect(await value(registry, USAGE, `${USAGE}_bucket`, { gen_ai_token_type: "input", le: "64" })).toBe(2);
    expect(await value(registry, "langchain_input_tokens_total", undefined, labels)).toBe(60);
    expect(await value(registry, "langchain_output_tokens_total", undefined, labels)).toBe(24);
    expect(await value(registry, "langchain_cache_read_tokens_total", undefined, labels)).toBe(20);
    expect(await value(registry, "langchain_cache_write_tokens_total", undefined, labels)).toBe(4);
    expect(await value(registry, "langchain_reasoning_tokens_total", undefined, labels)).toBe(8);
    expect(await value(registry, "langchain_runs_total", undefined, { run_type: "llm", status: "ok" })).toBe(
      2,
    );
    expect(await value(registry, "langchain_runs_in_flight", undefined, { run_type: "llm" })).toBe(0);
    // invoke() does not stream: no time to first chunk.
    expect(await samples(registry, TTFC, `${TTFC}_count`)).toEqual([]);
  });

  it("exports counted tokens and runs once per scrape, never twice", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({ content: "x", usage: { promptTokens: 7, completionTokens: 3 } });
    await fakeChatOpenAI(server).invoke("a", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(await value(registry, "langchain_input_tokens_total")).toBe(7);
    await registry.metrics();
    expect(await value(registry, "langchain_input_tokens_total")).toBe(7);
    expect(await value(registry, "langchain_runs_total")).toBe(1);
    await fakeChatOpenAI(server).invoke("b", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(await value(registry, "langchain_input_tokens_total")).toBe(14);
    expect(await value(registry, "langchain_runs_total")).toBe(2);
    expect(await value(registry, "langchain_runs_in_flight")).toBe(0);
  });

  it("uses the semconv bucket boundaries", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({ content: "x" });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    const bounds = (series: string, family: string) =>
      samples(registry, family, series).then((all) => all.map((s) => String(s.labels.le)));
    expect(await bounds(`${DURATION}_bucket`, DURATION)).toEqual([
      ...["0.01", "0.02", "0.04", "0.08", "0.16", "0.32", "0.64", "1.28", "2.56", "5.12"],
      ...["10.24", "20.48", "40.96", "81.92", "+Inf"],
    ]);
    expect((await bounds(`${USAGE}_bucket`, USAGE)).slice(0, 15)).toEqual([
      ...["1", "4", "16", "64", "256", "1024", "4096", "16384", "65536", "262144"],
      ...["1048576", "4194304", "16777216", "67108864", "+Inf"],
    ]);
  });

  it("records time to first chunk for streams only, at the first token carrying content", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({ content: "streamed words arrive", chunkDelayMs: 5 });
    await drain(fakeChatOpenAI(server).stream("stream me", { callbacks: [handler] }));
    server.setScript({ content: "not streamed" });
    await fakeChatOpenAI(server).invoke("invoke me", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(await value(registry, TTFC, `${TTFC}_count`)).toBe(1);
    expect(await value(registry, DURATION, `${DURATION}_count`)).toBe(2);
    const ttfc = await value(registry, TTFC, `${TTFC}_sum`);
    const duration = (await samples(registry, DURATION, `${DURATION}_sum`)).map((s) => s.value);
    expect(ttfc).toBeGreaterThan(0);
    // The first chunk arrives before the stream ends.
    expect(ttfc).toBeLessThanOrEqual(Math.max(...duration));
  });

  it("counts a tool-call stream's first chunk even though every token text is empty", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({ toolCalls: [{ name: "get_weather", args: { city: "Paris" } }] });
    await drain(fakeChatOpenAI(server).stream("weather?", { callbacks: [handler] }));
    await awaitAllCallbacks();
    expect(await value(registry, TTFC, `${TTFC}_count`)).toBe(1);
  });

  it("labels a failed call with a bounded error_type and no response model", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({ status: 429, error: { message: "slow down" }, retryAfter: 1 });
    await expect(fakeChatOpenAI(server).invoke("a", { callbacks: [handler] })).rejects.toThrow();
    server.setScript({ status: 500, error: { message: "boom" } });
    await expect(fakeChatOpenAI(server).invoke("b", { callbacks: [handler] })).rejects.toThrow();
    await awaitAllCallbacks();
    const failed = await samples(registry, DURATION, `${DURATION}_count`);
    expect(
      failed.map((s) => [s.labels.error_type, s.labels.gen_ai_response_model ?? "", s.value]).sort(),
    ).toEqual([
      ["rate_limit", "", 1],
      ["server_error", "", 1],
    ]);
    expect(
      await value(registry, "langchain_runs_total", undefined, { run_type: "llm", status: "error" }),
    ).toBe(2);
    expect(await value(registry, "langchain_runs_in_flight")).toBe(0);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(0);
  });

  it("labels an aborted call cancelled", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    server.setScript({ delayMs: 2_000 });
    const controller = new AbortController();
    const pending = fakeChatOpenAI(server).invoke("slow", {
      callbacks: [handler],
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow();
    await awaitAllCallbacks();
    expect(await value(registry, DURATION, `${DURATION}_count`, { error_type: "cancelled" })).toBe(1);
  });
});
