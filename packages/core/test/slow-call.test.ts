import { fakeChatOpenAI, manualClock, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { LLMResult } from "@langchain/core/outputs";
import { expect, it } from "vitest";
import {
  ChainwatchCallbackHandler,
  type ChainwatchHandlerOptions,
  type EvictionReason,
  extractUsage,
  type TrackedRun,
} from "../src/index.js";

/** Counts calls the way a metrics handler would: in flight, abandoned, and how each call really ended. */
class TokenBlindCounter extends ChainwatchCallbackHandler {
  name = "call_counter";
  readonly lines: string[] = [];
  constructor(options: ChainwatchHandlerOptions) {
    super("call_counter", options);
  }
  protected override onModelEnd(run: TrackedRun<undefined>, output: LLMResult) {
    this.lines.push(`end evicted=${run.evicted} tokens=${extractUsage(output)?.totalTokens}`);
  }
  protected override onModelError(run: TrackedRun<undefined>, error: unknown) {
    this.lines.push(`error evicted=${run.evicted} ${(error as { status?: number }).status}`);
  }
  protected override onRunEvicted(run: TrackedRun<undefined>, reason: EvictionReason) {
    this.lines.push(`evicted ${run.runType} ${reason}`);
  }
}

/** The same, listening to tokens: the tracker can tell a call in flight from an abandoned stream. */
class CallCounter extends TokenBlindCounter {
  protected override onToken() {}
}

const waitForRequest = async (server: { completions(): unknown[] }, count: number) => {
  while (server.completions().length < count) await new Promise((resolve) => setTimeout(resolve, 5));
};

it("a call waiting on its provider past ttlMs is not evicted as abandoned (issue 18.1)", async () => {
  const server = await startFakeOpenAI({ content: "late but fine", delayMs: 300 });
  try {
    const clock = manualClock();
    const handler = new CallCounter({ runs: { now: clock.now, ttlMs: 1_000 } });
    const pending = fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await waitForRequest(server, 1);
    clock.advance(2_500);
    expect(handler.activeRunCount).toBe(1);
    await pending;
    await awaitAllCallbacks();
    expect(handler.lines).toEqual([expect.stringMatching(/^end evicted=undefined tokens=\d+$/)]);
    expect(handler.activeRunCount).toBe(0);
  } finally {
    await server.close();
  }
});

it("a call that outlives even inFlightTtlMs is evicted, and its late end and error are still delivered", async () => {
  const server = await startFakeOpenAI([
    { content: "very late", delayMs: 300 },
    { status: 500, delayMs: 300 },
  ]);
  try {
    const clock = manualClock();
    const handler = new CallCounter({ runs: { now: clock.now, ttlMs: 1_000, inFlightTtlMs: 1_500 } });
    const ok = fakeChatOpenAI(server).invoke("first", { callbacks: [handler] });
    await waitForRequest(server, 1);
    clock.advance(2_000);
    expect(handler.activeRunCount).toBe(0);
    await ok;
    await awaitAllCallbacks();
    const failing = fakeChatOpenAI(server).invoke("second", { callbacks: [handler] });
    await waitForRequest(server, 2);
    clock.advance(2_000);
    expect(handler.activeRunCount).toBe(0);
    await expect(failing).rejects.toMatchObject({ status: 500 });
    await awaitAllCallbacks();
    expect(handler.lines).toEqual([
      "evicted llm ttl",
      expect.stringMatching(/^end evicted=ttl tokens=\d+$/),
      "evicted llm ttl",
      "error evicted=ttl 500",
    ]);
  } finally {
    await server.close();
  }
});

it("a handler that does not listen to tokens: a slow call idles on ttlMs, and is still delivered late", async () => {
  const server = await startFakeOpenAI({ content: "late", delayMs: 300 });
  try {
    const clock = manualClock();
    const handler = new TokenBlindCounter({ runs: { now: clock.now, ttlMs: 1_000 } });
    expect((handler as unknown as Record<string, unknown>).handleLLMNewToken).toBeUndefined();
    const pending = fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await waitForRequest(server, 1);
    clock.advance(1_000);
    expect(handler.activeRunCount).toBe(0);
    await pending;
    await awaitAllCallbacks();
    expect(handler.lines).toEqual(["evicted llm ttl", expect.stringMatching(/^end evicted=ttl tokens=\d+$/)]);
  } finally {
    await server.close();
  }
});
