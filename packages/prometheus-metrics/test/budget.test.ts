import { spawnSync } from "node:child_process";
import {
  type FakeOpenAI,
  fakeChatOpenAI,
  type RedisServer,
  startFakeOpenAI,
  startRedis,
} from "@chainwatch/testkit";
import { BudgetExceededError, TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { redisBudgetStore } from "@chainwatch/token-cost/redis";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { findBinary } from "./binaries.js";

// 10 input + 500 output tokens of gpt-4o-mini: $0.0003015 a call; with maxOutputTokens 500 a reservation is about
// $0.0003017, so two calls fit under $0.0007 and the third is refused.
const USAGE = { promptTokens: 10, completionTokens: 500 };

let server: FakeOpenAI;
let redis: RedisServer;
let printed: MockInstance<typeof console.error>;
beforeAll(async () => {
  [server, redis] = await Promise.all([startFakeOpenAI(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([server.close(), redis.stop()]);
});
beforeEach(() => {
  server.setScript({ usage: USAGE });
  server.clearRequests();
  // LangChain prints its own line for a call a handler refuses (see token-cost's README): captured and checked.
  printed = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  for (const call of printed.mock.calls) {
    expect(String(call[0])).toMatch(
      /^Error in handler TokenCostCallbackHandler, handleLLMStart: BudgetExceededError/,
    );
  }
  printed.mockRestore();
});

/** The registry scraped as Prometheus text, as `name{label="value",…}` → value (labels sorted). */
async function scrape(registry: Registry): Promise<Map<string, number>> {
  const text = await registry.metrics();
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = (match[2] ?? "").split(",").filter(Boolean).sort().join(",");
    series.set(`${match[1]}{${labels}}`, Number(match[3]));
  }
  return series;
}

function budgetSeries(all: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...all].filter(([name]) => name.startsWith("langchain_budget_")));
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("budget metrics from the cost source", () => {
  it("exports every series at 0, holds a call's reservation while it runs, counts the spend and one refusal", async () => {
    const registry = new Registry();
    const cost = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.0007, perTraceUsd: 0.01, maxOutputTokens: 500 },
    });
    const metrics = new PrometheusCallbackHandler({ registry, cost });
    expect(budgetSeries(await scrape(registry))).toEqual({
      'langchain_budget_reserved_usd{limit="total"}': 0,
      'langchain_budget_reserved_usd{limit="trace"}': 0,
      'langchain_budget_spent_usd_total{limit="total"}': 0,
      'langchain_budget_spent_usd_total{limit="trace"}': 0,
      'langchain_budget_refusals_total{limit="total",reason="exceeded"}': 0,
      'langchain_budget_refusals_total{limit="total",reason="store_error"}': 0,
      'langchain_budget_refusals_total{limit="trace",reason="exceeded"}': 0,
      'langchain_budget_limit_usd{scope="total"}': 0.0007,
      'langchain_budget_limit_usd{scope="trace"}': 0.01,
      'langchain_budget_exceeded_total{scope="total"}': 0,
      'langchain_budget_exceeded_total{scope="trace"}': 0,
    });

    const model = fakeChatOpenAI(server);
    server.setScript({ usage: USAGE, delayMs: 200 });
    const first = model.invoke("one", { callbacks: [cost, metrics] });
    await until(() => server.completions().length === 1);
    const during = await scrape(registry);
    const held = during.get('langchain_budget_reserved_usd{limit="total"}') ?? 0;
    expect(held).toBeGreaterThan(0.0003);
    expect(held).toBeLessThan(0.00031);
    expect(during.get('langchain_budget_reserved_usd{limit="trace"}')).toBe(held);
    await first;
    server.setScript({ usage: USAGE });
    await model.invoke("two", { callbacks: [cost, metrics] });
    const error = await model.invoke("three", { callbacks: [cost, metrics] }).catch((e: unknown) => e);
    await awaitAllCallbacks();
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(2);

    const after = budgetSeries(await scrape(registry));
    expect(after['langchain_budget_reserved_usd{limit="total"}']).toBe(0);
    expect(after['langchain_budget_reserved_usd{limit="trace"}']).toBe(0);
    expect(after['langchain_budget_spent_usd_total{limit="total"}']).toBeCloseTo(cost.costUsd, 12);
    expect(cost.costUsd).toBeCloseTo(2 * 0.0003015, 12);
    expect(after['langchain_budget_refusals_total{limit="total",reason="exceeded"}']).toBe(1);
    expect(after['langchain_budget_refusals_total{limit="trace",reason="exceeded"}']).toBe(0);
    expect(after['langchain_budget_exceeded_total{scope="total"}']).toBe(1);

    const promtool = findBinary("promtool");
    if (promtool !== undefined) {
      const result = spawnSync(promtool, ["check", "metrics"], {
        input: await registry.metrics(),
        encoding: "utf8",
      });
      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
        status: 0,
        stdout: "",
        stderr: "",
      });
    }
  });

  it("counts a refusal through a real Redis store, per limit and reason, with no per-user label", async () => {
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    client.on("error", () => {});
    try {
      const registry = new Registry();
      const cost = new TokenCostCallbackHandler({
        budget: {
          totalUsd: 0.0004,
          window: "1d",
          maxOutputTokens: 500,
          store: redisBudgetStore(client, { prefix: `metrics:${Math.random()}:` }),
          scope: (run) => String(run.metadata.user_id),
        },
      });
      const metrics = new PrometheusCallbackHandler({ registry, cost, labels: { service: "chat" } });
      const model = fakeChatOpenAI(server);
      const alice = { callbacks: [cost, metrics], metadata: { user_id: "alice" } };
      await model.invoke("one", alice);
      await expect(model.invoke("two", alice)).rejects.toBeInstanceOf(BudgetExceededError);
      // Another user's budget is their own.
      await model.invoke("three", { callbacks: [cost, metrics], metadata: { user_id: "bob" } });
      await awaitAllCallbacks();
      expect(server.completions()).toHaveLength(2);
      const after = budgetSeries(await scrape(registry));
      expect(after['langchain_budget_refusals_total{limit="total",reason="exceeded",service="chat"}']).toBe(
        1,
      );
      expect(after['langchain_budget_reserved_usd{limit="total",service="chat"}']).toBe(0);
      expect(after['langchain_budget_spent_usd_total{limit="total",service="chat"}']).toBeCloseTo(
        cost.costUsd,
        12,
      );
      expect(after['langchain_budget_limit_usd{scope="total",service="chat"}']).toBe(0.0004);
      // Scope keys are user ids: they never become a label.
      expect(Object.keys(after).some((name) => name.includes("alice") || name.includes("bob"))).toBe(false);
    } finally {
      await client.quit();
    }
  });

  it("opt-in budget_scope label: the scope without its window, capped, overflow counted", async () => {
    const registry = new Registry();
    const cost = new TokenCostCallbackHandler({
      budget: {
        totalUsd: 0.0004,
        window: "1d",
        maxOutputTokens: 500,
        scope: (run) => String(run.metadata.user_id),
      },
    });
    const metrics = new PrometheusCallbackHandler({
      registry,
      cost,
      budgetScopeLabel: true,
      maxLabelValues: { budgetScopes: 1 },
    });
    const model = fakeChatOpenAI(server);
    const as = (user: string) => ({ callbacks: [cost, metrics], metadata: { user_id: user } });
    await model.invoke("one", as("alice"));
    await expect(model.invoke("two", as("alice"))).rejects.toBeInstanceOf(BudgetExceededError);
    await model.invoke("three", as("bob"));
    await awaitAllCallbacks();
    expect(server.completions()).toHaveLength(2);
    const after = await scrape(registry);
    const spentAlice = after.get('langchain_budget_spent_usd_total{budget_scope="alice",limit="total"}');
    const spentOther = after.get('langchain_budget_spent_usd_total{budget_scope="_OTHER",limit="total"}');
    expect(spentAlice).toBeCloseTo(0.0003015, 12);
    expect(spentOther).toBeCloseTo(0.0003015, 12);
    expect(
      after.get('langchain_budget_refusals_total{budget_scope="alice",limit="total",reason="exceeded"}'),
    ).toBe(1);
    expect(after.get('langchain_budget_reserved_usd{budget_scope="alice",limit="total"}')).toBe(0);
    expect(after.get('langchain_budget_reserved_usd{budget_scope="_OTHER",limit="total"}')).toBe(0);
    // A scope is a total-limit thing: no per-scope series for the per-trace limit.
    expect(after.has('langchain_budget_reserved_usd{budget_scope="alice",limit="trace"}')).toBe(false);
    // The window never reaches the label: one series per scope, not per scope and day.
    expect([...after.keys()].filter((name) => name.includes("alice|"))).toEqual([]);
    expect(after.get('langchain_label_overflow_total{label="budget_scope"}')).toBeGreaterThanOrEqual(1);
  });

  it("rejects a bad budgetScopeLabel or budgetScopes cap, and unknown keys", () => {
    const cost = new TokenCostCallbackHandler({ budget: { totalUsd: 1 } });
    expect(
      () =>
        new PrometheusCallbackHandler({ registry: new Registry(), cost, budgetScopeLabel: "yes" as never }),
    ).toThrow(/budgetScopeLabel must be a boolean, got yes/);
    expect(
      () => new PrometheusCallbackHandler({ registry: new Registry(), maxLabelValues: { budgetScopes: 0 } }),
    ).toThrow(/maxLabelValues.budgetScopes must be a positive integer, got 0/);
    expect(
      () => new PrometheusCallbackHandler({ registry: new Registry(), budgetScopeLabels: true } as never),
    ).toThrow(/budgetScopeLabels/);
  });

  it("two handlers on one registry and one cost source count each decision once; no budget, no budget metrics", async () => {
    const registry = new Registry();
    const cost = new TokenCostCallbackHandler({ budget: { totalUsd: 1 } });
    const one = new PrometheusCallbackHandler({ registry, cost });
    const two = new PrometheusCallbackHandler({ registry, cost });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [cost, one] });
    await model.invoke("two", { callbacks: [cost, two] });
    await awaitAllCallbacks();
    const after = budgetSeries(await scrape(registry));
    expect(after['langchain_budget_spent_usd_total{limit="total"}']).toBeCloseTo(cost.costUsd, 12);
    expect(cost.costUsd).toBeCloseTo(2 * 0.0003015, 12);

    const plain = new Registry();
    new PrometheusCallbackHandler({ registry: plain, cost: new TokenCostCallbackHandler() });
    expect(budgetSeries(await scrape(plain))).toEqual({});
  });
});
