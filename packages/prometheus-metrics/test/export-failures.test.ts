import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { Counter, Histogram } from "prom-client";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { value } from "./helpers.js";

const DURATION = "gen_ai_client_operation_duration_seconds";
const COST = "langchain_cost_usd_total";

/** Makes `counter.inc()` throw the first time it is called, then work again. */
function incThrowsOnce(counter: Counter<string>): () => number {
  const inc = counter.inc.bind(counter);
  let thrown = 0;
  Object.defineProperty(counter, "inc", {
    value: (...args: Parameters<Counter<string>["inc"]>) => {
      if (thrown === 0) {
        thrown++;
        throw new Error("registry unavailable");
      }
      return inc(...args);
    },
  });
  return () => thrown;
}

/** Makes the first `observe()` on any child of `histogram` throw, then work again. */
function observeThrowsOnce(histogram: Histogram<string>): () => number {
  const labels = histogram.labels.bind(histogram);
  let thrown = 0;
  Object.defineProperty(histogram, "labels", {
    value: (...args: Parameters<Histogram<string>["labels"]>) => {
      const child = labels(...args);
      return {
        ...child,
        observe: (observed: number) => {
          if (thrown === 0) {
            thrown++;
            throw new Error("histogram unavailable");
          }
          child.observe(observed);
        },
      };
    },
  });
  return () => thrown;
}

describe("no count is lost when prom-client throws", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
    server.setScript({ usage: { promptTokens: 9, completionTokens: 4 } });
  });
  afterAll(async () => {
    await server.close();
  });

  async function calls(handler: PrometheusCallbackHandler, count: number): Promise<void> {
    const model = fakeChatOpenAI(server);
    await Promise.all(
      Array.from({ length: count }, (_, i) => model.invoke(`call ${i}`, { callbacks: [handler] })),
    );
    await awaitAllCallbacks();
  }

  it("a scrape during which inc() throws loses nothing: the counts are written at the next scrape", async () => {
    const registry = new Registry();
    const failures: string[] = [];
    const handler = new PrometheusCallbackHandler({
      registry,
      cost: () => 0.25,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    const thrown = [
      incThrowsOnce(handler.metrics.runs),
      incThrowsOnce(handler.metrics.inputTokens),
      incThrowsOnce(handler.metrics.costUsd),
    ];
    await calls(handler, 30);
    await registry.metrics(); // the failing scrape
    expect(thrown.map((count) => count())).toEqual([1, 1, 1]);
    expect(failures).toEqual(["collect:runs", "collect:tokens", "collect:cost"]);
    // The output-token counter did not fail: written at once, and not twice later.
    expect(await value(registry, "langchain_output_tokens_total")).toBe(120);
    expect(await value(registry, "langchain_runs_total", undefined, { status: "ok" })).toBe(30);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(270);
    expect(await value(registry, COST)).toBeCloseTo(7.5, 12);
    expect(await value(registry, "langchain_output_tokens_total")).toBe(120);
  });

  it("an observe() that throws inside the end callback does not skip the call's token and cost counters", async () => {
    const registry = new Registry();
    const failures: string[] = [];
    const handler = new PrometheusCallbackHandler({
      registry,
      cost: () => 0.5,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    const thrown = observeThrowsOnce(handler.metrics.operationDuration);
    // 64 calls fill the duration buffer, which hands its observations over inside the 64th end callback.
    await calls(handler, 70);
    expect(thrown()).toBe(1);
    expect(failures).toEqual(["observe"]);
    expect(await value(registry, "langchain_input_tokens_total")).toBe(630);
    expect(await value(registry, "langchain_output_tokens_total")).toBe(280);
    expect(await value(registry, COST)).toBeCloseTo(35, 12);
    expect(await value(registry, "langchain_runs_total", undefined, { status: "ok" })).toBe(70);
    // The refused observation was kept and handed over at the scrape.
    expect(await value(registry, DURATION, `${DURATION}_count`)).toBe(70);
  });
});
