import { type FakeOpenAI, fakeChatOpenAI, manualClock, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { value } from "./helpers.js";

const RUNS = "langchain_runs_total";

async function waitForRequests(server: FakeOpenAI, count: number): Promise<void> {
  while (server.completions().length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("a slow call is not an abandoned one (issue 18.1)", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI({
      content: "late but fine",
      delayMs: 300,
      usage: { promptTokens: 7, completionTokens: 3 },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  function setup(runs: { ttlMs: number; inFlightTtlMs?: number }) {
    const registry = new Registry();
    const clock = manualClock();
    const handler = new PrometheusCallbackHandler({
      registry,
      cost: () => 0.5,
      runs: { now: clock.now, ...runs },
    });
    return { registry, clock, handler };
  }

  it("a call the server delays past ttlMs, scraped while it waits, counts ok with its tokens and cost", async () => {
    const { registry, clock, handler } = setup({ ttlMs: 1_000 });
    const pending = fakeChatOpenAI(server).invoke("slow", { callbacks: [handler] });
    await waitForRequests(server, server.completions().length + 1);
    clock.advance(2_500);
    await registry.metrics(); // a scrape sweeps idle runs: the waiting call is in flight, not idle
    expect(await value(registry, "langchain_runs_in_flight")).toBe(1);
    await pending;
    await awaitAllCallbacks();
    expect(await value(registry, RUNS, undefined, { status: "abandoned" })).toBe(0);
    expect(await value(registry, RUNS, undefined, { status: "ok" })).toBe(1);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(7);
    expect(await value(registry, "langchain_cost_usd_total")).toBe(0.5);
  });

  it("a call evicted anyway (past inFlightTtlMs) and answered before the next scrape moves from abandoned to ok", async () => {
    const { registry, clock, handler } = setup({ ttlMs: 1_000, inFlightTtlMs: 1_500 });
    const pending = fakeChatOpenAI(server).invoke("slower", { callbacks: [handler] });
    await waitForRequests(server, server.completions().length + 1);
    clock.advance(2_500);
    handler.sweepIdleRuns();
    expect(handler.activeRunCount).toBe(0);
    await pending;
    await awaitAllCallbacks();
    expect(await value(registry, RUNS, undefined, { status: "abandoned" })).toBe(0);
    expect(await value(registry, RUNS, undefined, { status: "ok" })).toBe(1);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(7);
    expect(await value(registry, "langchain_cost_usd_total")).toBe(0.5);
  });

  it("once a scrape exported it as abandoned, the late call is counted once (abandoned), its tokens and cost still added", async () => {
    const { registry, clock, handler } = setup({ ttlMs: 1_000, inFlightTtlMs: 1_500 });
    const pending = fakeChatOpenAI(server).invoke("slowest", { callbacks: [handler] });
    await waitForRequests(server, server.completions().length + 1);
    clock.advance(2_500);
    expect(await value(registry, RUNS, undefined, { status: "abandoned" })).toBe(1);
    await pending;
    await awaitAllCallbacks();
    expect(await value(registry, RUNS, undefined, { status: "abandoned" })).toBe(1);
    expect(await value(registry, RUNS, undefined, { status: "ok" })).toBe(0);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(7);
    expect(await value(registry, "langchain_cost_usd_total")).toBe(0.5);
    expect(
      await value(
        registry,
        "gen_ai_client_operation_duration_seconds",
        "gen_ai_client_operation_duration_seconds_count",
      ),
    ).toBe(1);
  });
});
