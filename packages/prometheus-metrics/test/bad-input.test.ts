import { fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { callbacks, samples, value } from "./helpers.js";

const DURATION = "gen_ai_client_operation_duration_seconds";
const USAGE = "gen_ai_client_token_usage";

function handlerWithErrors() {
  const errors: unknown[] = [];
  const registry = new Registry();
  const handler = new PrometheusCallbackHandler({ registry, onHandlerError: (error) => errors.push(error) });
  return { registry, handler, errors };
}

describe("bad input", () => {
  it("a call without usage counts the call and records no tokens", async () => {
    const server = await startFakeOpenAI({ content: "no usage here", usage: null });
    try {
      const { registry, handler, errors } = handlerWithErrors();
      await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
      await awaitAllCallbacks();
      expect(await value(registry, DURATION, `${DURATION}_count`)).toBe(1);
      expect(await samples(registry, USAGE, `${USAGE}_count`)).toEqual([]);
      expect(await value(registry, "langchain_input_tokens_total")).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("NaN, negative and non-numeric token counts are dropped, the valid ones kept", async () => {
    const { registry, handler, errors } = handlerWithErrors();
    const message = (usage: Record<string, unknown>) => ({
      generations: [[{ text: "", message: { usage_metadata: usage } }]],
    });
    const outputs = [
      message({ input_tokens: Number.NaN, output_tokens: 5, total_tokens: 5 }),
      message({ input_tokens: -3, output_tokens: "7", total_tokens: Infinity }),
      message({ input_tokens: 10, output_tokens: 2, input_token_details: { cache_read: -1 } }),
      { generations: "not an array", llmOutput: { tokenUsage: { promptTokens: "x" } } },
      null,
      undefined,
      42,
    ];
    for (const [i, output] of outputs.entries()) {
      callbacks(handler).handleChatModelStart({}, [], `r-${i}`, undefined, undefined, undefined, undefined);
      callbacks(handler).handleLLMEnd(output as never, `r-${i}`);
    }
    expect(errors).toEqual([]);
    expect(await value(registry, DURATION, `${DURATION}_count`)).toBe(outputs.length);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(10);
    expect(await value(registry, "langchain_output_tokens_total")).toBe(7);
    expect(await value(registry, "langchain_cache_read_tokens_total")).toBe(0);
    const text = await registry.metrics();
    expect(text).not.toMatch(/NaN|Nan|-Inf/);
  });

  it("an unknown provider and model are labelled as given or left empty, never invented", async () => {
    const { registry, handler, errors } = handlerWithErrors();
    callbacks(handler).handleChatModelStart({ id: ["x", "MysteryChat"] }, [], "u1", undefined, {}, [], {
      ls_provider: "acme-llm",
    });
    callbacks(handler).handleLLMEnd({ generations: [] }, "u1");
    callbacks(handler).handleChatModelStart(null, [], "u2", undefined, null, null as never, null as never);
    callbacks(handler).handleLLMError("a string, not an Error", "u2");
    expect(errors).toEqual([]);
    const series = await samples(registry, DURATION, `${DURATION}_count`);
    expect(
      series.map((s) => [
        s.labels.gen_ai_provider_name ?? "",
        s.labels.gen_ai_request_model ?? "",
        s.labels.error_type,
      ]),
    ).toEqual([
      ["acme-llm", "", ""],
      ["", "", "_OTHER"],
    ]);
  });

  it("a completion (non-chat) model is recorded as text_completion", async () => {
    const { registry, handler } = handlerWithErrors();
    callbacks(handler).handleLLMStart({ id: ["x", "OpenAI"] }, ["prompt"], "c1", undefined, {
      invocation_params: { model: "gpt-3.5-turbo-instruct" },
    });
    callbacks(handler).handleLLMEnd(
      {
        generations: [[{ text: "done" }]],
        llmOutput: { tokenUsage: { promptTokens: 2, completionTokens: 1 } },
      } as never,
      "c1",
    );
    const series = await samples(registry, DURATION, `${DURATION}_count`);
    expect(
      series.map((s) => [
        s.labels.gen_ai_operation_name,
        s.labels.gen_ai_provider_name,
        s.labels.gen_ai_request_model,
      ]),
    ).toEqual([["text_completion", "openai", "gpt-3.5-turbo-instruct"]]);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(2);
  });

  it("end and error events for runs it never saw are ignored", async () => {
    const { registry, handler, errors } = handlerWithErrors();
    callbacks(handler).handleLLMEnd({ generations: [] }, "never-started");
    callbacks(handler).handleChainError(new Error("x"), "never-started");
    callbacks(handler).handleToolEnd("", "never-started");
    callbacks(handler).handleLLMNewToken("t", 0 as never, "never-started");
    expect(errors).toEqual([]);
    expect(await value(registry, "langchain_runs_total")).toBe(0);
    expect(await value(registry, "langchain_runs_in_flight")).toBe(0);
  });
});
