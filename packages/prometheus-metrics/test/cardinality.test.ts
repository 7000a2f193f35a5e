import { fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { OTHER, PrometheusCallbackHandler } from "../src/index.js";
import { callbacks, samples, value } from "./helpers.js";

const DURATION = "gen_ai_client_operation_duration_seconds";
const SERIALIZED = {
  lc: 1,
  type: "not_implemented",
  id: ["langchain", "chat_models", "openai", "ChatOpenAI"],
};

function call(
  handler: PrometheusCallbackHandler,
  runId: string,
  metadata: Record<string, unknown>,
  output: unknown,
) {
  callbacks(handler).handleChatModelStart(SERIALIZED, [], runId, undefined, {}, [], metadata);
  callbacks(handler).handleLLMEnd(output as never, runId);
}

describe("label cardinality", () => {
  it("caps distinct model names; the overflow goes to _OTHER", async () => {
    const server = await startFakeOpenAI({ content: "ok" });
    try {
      const registry = new Registry();
      const handler = new PrometheusCallbackHandler({ registry, maxLabelValues: { models: 2 } });
      for (const model of ["model-a", "model-b", "model-c", "model-d", "model-a"]) {
        server.setScript({ content: "ok", model });
        await fakeChatOpenAI(server, { model }).invoke("hi", { callbacks: [handler] });
      }
      await awaitAllCallbacks();
      const byModel = Object.fromEntries(
        (await samples(registry, DURATION, `${DURATION}_count`)).map((s) => [
          s.labels.gen_ai_request_model,
          s.value,
        ]),
      );
      expect(byModel).toEqual({ "model-a": 2, "model-b": 1, [OTHER]: 2 });
    } finally {
      await server.close();
    }
  });

  it("10,000 distinct model names stay within the cap, with no throw", async () => {
    const registry = new Registry();
    const errors: unknown[] = [];
    const handler = new PrometheusCallbackHandler({ registry, onHandlerError: (e) => errors.push(e) });
    for (let i = 0; i < 10_000; i++) {
      call(
        handler,
        `run-${i}`,
        { ls_provider: `provider-${i}`, ls_model_name: `model-${i}` },
        { generations: [[{ text: "", message: { response_metadata: { model_name: `snapshot-${i}` } } }]] },
      );
    }
    const series = await samples(registry, DURATION, `${DURATION}_count`);
    expect(errors).toEqual([]);
    expect(series.reduce((sum, s) => sum + s.value, 0)).toBe(10_000);
    const models = new Set(series.map((s) => s.labels.gen_ai_request_model));
    expect(models.size).toBe(101); // the default cap of 100, plus _OTHER
    expect(new Set(series.map((s) => s.labels.gen_ai_provider_name)).size).toBe(31);
    expect(new Set(series.map((s) => s.labels.gen_ai_response_model)).size).toBe(101);
    // Series grow with the caps, never with the input: at most one per admitted (provider, model, response).
    expect(series.length).toBeLessThan(10_000 / 50);
    // Every refused value is counted, so an operator sees the cap being hit.
    expect(
      await value(registry, "langchain_label_overflow_total", undefined, { label: "gen_ai_request_model" }),
    ).toBe(9_900);
    expect(
      await value(registry, "langchain_label_overflow_total", undefined, { label: "gen_ai_provider_name" }),
    ).toBe(9_970);
  });

  it("caps tool and chain names too", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry, maxLabelValues: { tools: 1, chains: 1 } });
    for (const [i, name] of ["search", "calculator", "search"].entries()) {
      callbacks(handler).handleToolStart({ id: ["tool"] } as never, "{}", `t-${i}`, undefined, [], {}, name);
      callbacks(handler).handleToolEnd("", `t-${i}`);
    }
    for (const name of ["Alpha", "Beta"]) {
      callbacks(handler).handleChainStart(
        { id: [name] } as never,
        {},
        name,
        undefined,
        [],
        {},
        undefined as never,
        name,
      );
      callbacks(handler).handleChainEnd({}, name);
    }
    const tools = await samples(
      registry,
      "gen_ai_execute_tool_duration_seconds",
      "gen_ai_execute_tool_duration_seconds_count",
    );
    expect(Object.fromEntries(tools.map((s) => [s.labels.gen_ai_tool_name, s.value]))).toEqual({
      search: 2,
      [OTHER]: 1,
    });
    const chains = await samples(
      registry,
      "langchain_chain_duration_seconds",
      "langchain_chain_duration_seconds_count",
    );
    expect(Object.fromEntries(chains.map((s) => [s.labels.chain_name, s.value]))).toEqual({
      Alpha: 1,
      [OTHER]: 1,
    });
  });

  it("turns only allow-listed metadata keys into labels, capped; static labels on every series", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({
      registry,
      labels: { service: "checkout" },
      metadataLabels: ["tenant-tier"],
      maxLabelValues: { metadata: 2 },
    });
    const tiers = ["free", "pro", "enterprise", "free", undefined];
    for (const [i, tier] of tiers.entries()) {
      call(
        handler,
        `m-${i}`,
        { ls_provider: "openai", ls_model_name: "gpt-4o-mini", "tenant-tier": tier, user_id: `user-${i}` },
        { generations: [] },
      );
    }
    const series = await samples(registry, DURATION, `${DURATION}_count`);
    expect(Object.fromEntries(series.map((s) => [s.labels.tenant_tier, s.value]))).toEqual({
      free: 2,
      pro: 1,
      [OTHER]: 1,
      "": 1,
    });
    for (const s of series) {
      expect(s.labels.service).toBe("checkout");
      expect(Object.keys(s.labels)).not.toContain("user_id");
    }
    const text = await registry.metrics();
    expect(text).not.toContain("user-");
  });
});
