import { fakeChatOpenAI, manualClock, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { captureLogger } from "./helpers.js";

it("a call evicted while it waited on the provider is still logged once at its end, marked evicted (issue 18.1)", async () => {
  const server = await startFakeOpenAI({ content: "late but fine", delayMs: 300 });
  try {
    const { logger, events } = captureLogger("info");
    const clock = manualClock();
    const handler = new PinoCallbackHandler({
      logger,
      cost: () => 0.1 + 0.2,
      runs: { now: clock.now, ttlMs: 1_000, inFlightTtlMs: 1_500 },
    });
    const pending = fakeChatOpenAI(server).invoke("slow", { callbacks: [handler] });
    while (server.completions().length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    clock.advance(2_500);
    expect(handler.activeRunCount).toBe(0); // evicted
    await pending;
    await awaitAllCallbacks();
    const ends = events("llm.end");
    expect(ends).toHaveLength(1);
    // cost_usd rounded where logged: 0.1 + 0.2 is 0.30000000000000004 in floating point.
    expect(ends[0]).toMatchObject({ evicted: "ttl", model: "gpt-4o-mini", cost_usd: 0.3 });
  } finally {
    await server.close();
  }
});
