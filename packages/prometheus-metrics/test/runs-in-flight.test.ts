import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { fakeChatOpenAI, manualClock, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { callbacks, value } from "./helpers.js";

const TTFC = "gen_ai_client_operation_time_to_first_chunk_seconds";
const DURATION = "gen_ai_client_operation_duration_seconds";
const SERIALIZED = {
  lc: 1,
  type: "not_implemented",
  id: ["langchain", "chat_models", "openai", "ChatOpenAI"],
};
const METADATA = { ls_provider: "openai", ls_model_name: "gpt-4o-mini" };

function chunk(fields: ConstructorParameters<typeof AIMessageChunk>[0]) {
  return { chunk: new ChatGenerationChunk({ text: "", message: new AIMessageChunk(fields) }) };
}

describe("time to first chunk, durations and runs in flight", () => {
  it("measures time to first chunk at the first token with content, not at the empty role chunk", () => {
    const clock = manualClock(1_000);
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry, runs: { now: clock.now } });
    callbacks(handler).handleChatModelStart(SERIALIZED, [], "run-1", undefined, {}, [], METADATA);
    clock.advance(100);
    callbacks(handler).handleLLMNewToken(
      "",
      undefined,
      "run-1",
      undefined,
      undefined,
      chunk({ content: "" }),
    );
    clock.advance(150);
    callbacks(handler).handleLLMNewToken(
      "Hel",
      undefined,
      "run-1",
      undefined,
      undefined,
      chunk({ content: "Hel" }),
    );
    clock.advance(500);
    callbacks(handler).handleLLMNewToken(
      "lo",
      undefined,
      "run-1",
      undefined,
      undefined,
      chunk({ content: "lo" }),
    );
    clock.advance(250);
    callbacks(handler).handleLLMEnd({ generations: [] }, "run-1");
    return Promise.all([
      expect(value(registry, TTFC, `${TTFC}_sum`)).resolves.toBeCloseTo(0.25, 9),
      expect(value(registry, DURATION, `${DURATION}_sum`)).resolves.toBeCloseTo(1.0, 9),
    ]);
  });

  it("counts a tool-call delta as the first chunk", async () => {
    const clock = manualClock(0);
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry, runs: { now: clock.now } });
    callbacks(handler).handleChatModelStart(SERIALIZED, [], "run-2", undefined, {}, [], METADATA);
    clock.advance(40);
    callbacks(handler).handleLLMNewToken(
      "",
      undefined,
      "run-2",
      undefined,
      undefined,
      chunk({ content: "", tool_call_chunks: [{ index: 0, id: "call_1", name: "get_weather", args: "" }] }),
    );
    clock.advance(60);
    callbacks(handler).handleLLMEnd({ generations: [] }, "run-2");
    expect(await value(registry, TTFC, `${TTFC}_sum`)).toBeCloseTo(0.04, 9);
  });

  it("brings the in-flight gauge down for a stream the consumer abandoned, at scrape time", async () => {
    const server = await startFakeOpenAI({ content: "one two three four five six", chunkDelayMs: 5 });
    try {
      const clock = manualClock(0);
      const registry = new Registry();
      const handler = new PrometheusCallbackHandler({ registry, runs: { now: clock.now, ttlMs: 60_000 } });
      for await (const part of await fakeChatOpenAI(server).stream("go", { callbacks: [handler] })) {
        if (String(part.content).length > 0) break;
      }
      await awaitAllCallbacks();
      expect(await value(registry, "langchain_runs_in_flight", undefined, { run_type: "llm" })).toBe(1);
      clock.advance(60_001);
      // No further callback: the scrape itself sweeps idle runs.
      expect(await value(registry, "langchain_runs_in_flight", undefined, { run_type: "llm" })).toBe(0);
      expect(await value(registry, "langchain_runs_total", undefined, { status: "abandoned" })).toBe(1);
      expect(handler.activeRunCount).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("drops the runs of a handler that was garbage-collected from the in-flight gauge", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const registry = new Registry();
    const keeper = new PrometheusCallbackHandler({ registry });
    callbacks(keeper).handleChatModelStart(SERIALIZED, [], "kept", undefined, {}, [], METADATA);
    (() => {
      // A per-request handler whose stream was abandoned, then the whole request dropped.
      const dropped = new PrometheusCallbackHandler({ registry });
      callbacks(dropped).handleChatModelStart(SERIALIZED, [], "lost", undefined, {}, [], METADATA);
    })();
    expect(await value(registry, "langchain_runs_in_flight")).toBe(2);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
    }
    expect(await value(registry, "langchain_runs_in_flight")).toBe(1);
    expect(keeper.activeRunCount).toBe(1);
  });

  it("does not pile up references to per-request handlers when never scraped", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const registry = new Registry();
    const first = new PrometheusCallbackHandler({ registry });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2_000; i++) first.copy();
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
    }
    const shared = (first as unknown as { set: { sweepables: Set<unknown> } }).set;
    expect(shared.sweepables.size).toBeLessThan(4_200);
  });

  it("keeps the gauge right when a run id starts twice", () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    callbacks(handler).handleChatModelStart(SERIALIZED, [], "dup", undefined, {}, [], METADATA);
    callbacks(handler).handleChatModelStart(SERIALIZED, [], "dup", undefined, {}, [], METADATA);
    callbacks(handler).handleLLMEnd({ generations: [] }, "dup");
    return expect(value(registry, "langchain_runs_in_flight")).resolves.toBe(0);
  });
});
