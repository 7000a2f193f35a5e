import {
  type FakeOpenAI,
  fakeChatOpenAI,
  type RedisServer,
  startFakeOpenAI,
  startRedis,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { RunnableLambda } from "@langchain/core/runnables";
import { Redis } from "ioredis";
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
import {
  type BudgetDecision,
  BudgetExceededError,
  BudgetStoreError,
  TokenCostCallbackHandler,
} from "../src/index.js";
import { redisBudgetStore } from "../src/redis.js";

// 10 input + 500 output tokens of gpt-4o-mini: $0.0000015 + $0.0003 = $0.0003015 a call. With maxOutputTokens 500
// a reservation is the prompt's few tokens plus $0.0003: two calls fit under $0.0007, the third does not.
const USAGE = { promptTokens: 10, completionTokens: 500 };

let server: FakeOpenAI;
let redis: RedisServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let printed: MockInstance<typeof console.error>;

beforeAll(async () => {
  [server, redis] = await Promise.all([startFakeOpenAI(), startRedis()]);
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await Promise.all([server.close(), redis.stop()]);
});
beforeEach(() => {
  server.setScript({ usage: USAGE });
  server.clearRequests();
  // LangChain prints its own line for a call a handler refuses (see the README): captured and checked.
  printed = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  for (const call of printed.mock.calls) {
    expect(String(call[0])).toMatch(
      /^Error in handler TokenCostCallbackHandler, handleLLMStart: Budget(Exceeded|Store)Error/,
    );
  }
  printed.mockRestore();
  expect(unhandled).toEqual([]);
});

/** USD this process holds per limit, from the decisions alone (what a gauge of reservations shows). */
function held(decisions: readonly BudgetDecision[], limit: "trace" | "total"): number {
  let usd = 0;
  for (const d of decisions) {
    if (d.limit !== limit) continue;
    if (d.type === "reserved") usd += d.reservedUsd;
    if (d.type === "settled" || d.type === "released" || d.type === "expired") usd -= d.releasedUsd;
  }
  return Math.round(usd * 1e12) / 1e12;
}

describe("onBudgetDecision", () => {
  it("tells of each reservation, its settlement at the call's cost, and a refusal that sent no request", async () => {
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.0007, perTraceUsd: 0.01, maxOutputTokens: 500 },
    });
    const decisions: BudgetDecision[] = [];
    const heldAtRequest: number[] = [];
    handler.onBudgetDecision((decision) => {
      decisions.push(decision);
      // The reservation is held before the request leaves: the server has not seen this call yet.
      if (decision.type === "reserved" && decision.limit === "total") {
        heldAtRequest.push(server.completions().length);
      }
    });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [handler] });
    await model.invoke("two", { callbacks: [handler] });
    const error = await model.invoke("three", { callbacks: [handler] }).catch((e: unknown) => e);
    await awaitAllCallbacks();

    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(server.completions()).toHaveLength(2);
    expect(heldAtRequest).toEqual([0, 1]);
    expect(decisions.map((d) => `${d.type}:${d.limit}`)).toEqual([
      "reserved:trace",
      "reserved:total",
      "settled:trace",
      "settled:total",
      "reserved:trace",
      "reserved:total",
      "settled:trace",
      "settled:total",
      "reserved:trace",
      "refused:total",
      "exceeded:total",
      "released:trace",
    ]);
    // Every reservation made was given back: nothing is held once the calls are over.
    expect(held(decisions, "total")).toBe(0);
    expect(held(decisions, "trace")).toBe(0);
    const settled = decisions.filter((d) => d.type === "settled" && d.limit === "total");
    const spent = settled.reduce((sum, d) => sum + (d.type === "settled" ? d.spentUsd : 0), 0);
    expect(spent).toBeCloseTo(handler.costUsd, 12);
    expect(handler.costUsd).toBeCloseTo(2 * 0.0003015, 12);

    const refused = decisions.find((d) => d.type === "refused");
    const third = handler.records.length; // the refused call has no record
    expect(third).toBe(2);
    expect(refused).toMatchObject({
      type: "refused",
      limit: "total",
      reason: "exceeded",
      limitUsd: 0.0007,
      key: "default",
      scope: "default",
      model: "gpt-4o-mini",
      reservedUsd: 0,
    });
    if (refused?.type !== "refused") throw new Error("no refusal");
    expect(refused.spentUsd).toBeCloseTo(2 * 0.0003015, 12);
    expect(refused.requestedUsd).toBeGreaterThan(0.0003);
    expect(refused.requestedUsd).toBeLessThan(0.00031);
    expect(refused.runId).toMatch(/^[0-9a-f-]{36}$/);
    const release = decisions.at(-1);
    expect(release).toMatchObject({ type: "released", cause: "refused", key: refused.traceId });
  });

  it("a per-trace refusal names the trace as its key, and a new trace may spend again", async () => {
    const handler = new TokenCostCallbackHandler({ budget: { perTraceUsd: 0.0005, maxOutputTokens: 500 } });
    const decisions: BudgetDecision[] = [];
    handler.onBudgetDecision((decision) => decisions.push(decision));
    const model = fakeChatOpenAI(server);
    const twice = RunnableLambda.from(async (input: string, config) => {
      await model.invoke(input, config);
      return model.invoke(input, config);
    });
    await expect(twice.invoke("loop", { callbacks: [handler] })).rejects.toBeInstanceOf(BudgetExceededError);
    await model.invoke("fresh trace", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(server.completions()).toHaveLength(2);
    expect(decisions.map((d) => `${d.type}:${d.limit}`)).toEqual([
      "reserved:trace",
      "settled:trace",
      "refused:trace",
      "exceeded:trace",
      "reserved:trace",
      "settled:trace",
    ]);
    const refused = decisions[2];
    expect(refused).toMatchObject({ reason: "exceeded", limitUsd: 0.0005, reservedUsd: 0, scope: undefined });
    expect(refused?.key).toBe(refused?.traceId);
    expect(refused?.key).not.toBe(refused?.runId);
    expect(decisions[4]?.key).not.toBe(refused?.key);
    expect(held(decisions, "trace")).toBe(0);
  });

  it("a failed call releases its reservation; warn mode over the limit holds nothing and still settles", async () => {
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 0.0004, maxOutputTokens: 500, onExceed: "warn", onBudgetExceeded: () => {} },
    });
    const decisions: BudgetDecision[] = [];
    handler.onBudgetDecision((decision) => decisions.push(decision));
    const model = fakeChatOpenAI(server);
    server.setScript({ status: 500 });
    await expect(model.invoke("fails", { callbacks: [handler] })).rejects.toThrow();
    server.setScript({ usage: USAGE });
    await model.invoke("one", { callbacks: [handler] });
    await model.invoke("two goes over", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(decisions.map((d) => d.type)).toEqual([
      "reserved",
      "released",
      "reserved",
      "settled",
      "exceeded",
      "settled",
    ]);
    expect(decisions[1]).toMatchObject({ type: "released", cause: "error" });
    expect(decisions[4]).toMatchObject({ type: "exceeded", action: "warn", limit: "total" });
    expect(decisions[5]).toMatchObject({ type: "settled", releasedUsd: 0 });
    expect(held(decisions, "total")).toBe(0);
    expect(server.completions()).toHaveLength(3);
  });

  it("an abandoned stream's reservation stops counting when the run is evicted; a listener can unsubscribe", async () => {
    let now = 0;
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 1, maxOutputTokens: 500 },
      runs: { ttlMs: 1_000, now: () => now },
    });
    const decisions: BudgetDecision[] = [];
    const stop = handler.onBudgetDecision((decision) => decisions.push(decision));
    server.setScript({ usage: USAGE, chunks: ["a ", "b ", "c"], chunkDelayMs: 20 });
    const model = fakeChatOpenAI(server);
    for await (const _chunk of await model.stream("abandoned", { callbacks: [handler] })) break;
    now = 5_000;
    await model.invoke("next", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(decisions.map((d) => d.type)).toEqual(["reserved", "expired", "reserved", "settled"]);
    expect(held(decisions, "total")).toBe(0);
    stop();
    await model.invoke("unheard", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(decisions).toHaveLength(4);
  });

  it("a throwing listener is reported once through onHandlerError and the call goes on", async () => {
    const reported: string[] = [];
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 1 },
      onHandlerError: (error, context) =>
        reported.push(`${context.method}: ${error instanceof Error ? error.message : String(error)}`),
    });
    handler.onBudgetDecision(() => {
      throw new Error("listener broke");
    });
    const seen: string[] = [];
    handler.onBudgetDecision((decision) => seen.push(decision.type));
    const model = fakeChatOpenAI(server);
    const answer = await model.invoke("hello", { callbacks: [handler] });
    await model.invoke("again", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(answer.content).toBe("You said: hello");
    expect(reported).toEqual(["onBudgetDecision: listener broke"]);
    // The listener after the throwing one is still told.
    expect(seen).toEqual(["reserved", "settled", "reserved", "settled"]);
    expect(() => handler.onBudgetDecision("nope" as never)).toThrow(/onBudgetDecision needs a function/);
  });
});

describe("onBudgetDecision with a Redis store", () => {
  it("tells of reservations and a refusal as the store answers", async () => {
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    client.on("error", () => {});
    try {
      const handler = new TokenCostCallbackHandler({
        budget: {
          totalUsd: 0.0004,
          maxOutputTokens: 500,
          store: redisBudgetStore(client, { prefix: `decisions:${Math.random()}:` }),
          scope: (run) => String(run.metadata.user_id),
        },
      });
      const decisions: BudgetDecision[] = [];
      handler.onBudgetDecision((decision) => decisions.push(decision));
      const model = fakeChatOpenAI(server);
      const config = { callbacks: [handler], metadata: { user_id: "alice" } };
      await model.invoke("one", config);
      await expect(model.invoke("two", config)).rejects.toBeInstanceOf(BudgetExceededError);
      await awaitAllCallbacks();
      expect(server.completions()).toHaveLength(1);
      expect(decisions.map((d) => d.type)).toEqual(["reserved", "settled", "refused", "exceeded"]);
      expect(decisions[2]).toMatchObject({ reason: "exceeded", key: "alice", scope: "alice" });
      const refused = decisions[2];
      if (refused?.type !== "refused") throw new Error("no refusal");
      // The first call's settlement is not awaited: the store shows it spent (0.0003015) or still held (its
      // reservation), whichever reached Redis first; either way one call's worth, and never both.
      const window = (refused.spentUsd ?? 0) + (refused.reservedUsd ?? 0);
      expect(window).toBeGreaterThanOrEqual(0.0003015);
      expect(window).toBeLessThanOrEqual(0.00030165);
      expect(held(decisions, "total")).toBe(0);
    } finally {
      await client.quit();
    }
  });

  it("a store that does not answer refuses the call with reason store_error", async () => {
    // Nothing listens on this port: ioredis queues the command and the store's timeout answers first.
    const closed = redis.port === 1 ? 2 : 1;
    const client = new Redis({ port: closed, host: "127.0.0.1", maxRetriesPerRequest: 0, lazyConnect: true });
    client.on("error", () => {});
    try {
      const handler = new TokenCostCallbackHandler({
        budget: { totalUsd: 1, store: redisBudgetStore(client), storeTimeoutMs: 100 },
      });
      const decisions: BudgetDecision[] = [];
      handler.onBudgetDecision((decision) => decisions.push(decision));
      const model = fakeChatOpenAI(server);
      await expect(model.invoke("one", { callbacks: [handler] })).rejects.toBeInstanceOf(BudgetStoreError);
      await awaitAllCallbacks();
      expect(server.completions()).toHaveLength(0);
      expect(decisions).toEqual([
        expect.objectContaining({
          type: "refused",
          limit: "total",
          reason: "store_error",
          key: "default",
          spentUsd: undefined,
          reservedUsd: undefined,
        }),
      ]);
    } finally {
      client.disconnect();
    }
  });
});
