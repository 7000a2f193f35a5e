import {
  type FakeOpenAI,
  fakeChatOpenAI,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { captureLogger, drain } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

describe("cost_usd on llm.end", () => {
  it("carries token-cost's price of each call; the records add up to token-cost's own total", async () => {
    const agentTurn = weatherAgentScript("Oslo");
    server.setScript((request) => ({
      ...(request.body?.tools ? agentTurn(request) : { content: "plain answer" }),
      usage: { promptTokens: 2000, cachedTokens: 500, completionTokens: 400 },
    }));
    const capture = captureLogger("info");
    const cost = new TokenCostCallbackHandler();
    const handler = new PinoCallbackHandler({ logger: capture.logger, cost });
    const model = fakeChatOpenAI(server);
    await model.invoke("one", { callbacks: [handler, cost] });
    await drain(model.stream("two", { callbacks: [cost, handler] }));
    await weatherAgent(model).invoke(
      { messages: [{ role: "user", content: "Weather in Oslo?" }] },
      { callbacks: [handler, cost] },
    );
    await awaitAllCallbacks();

    const ends = capture.events("llm.end");
    expect(ends).toHaveLength(4);
    const costs = ends.map((record) => record.cost_usd as number);
    expect(costs.map((usd, i) => [usd, cost.records[i]?.cost?.totalUsd]).every(([a, b]) => a === b)).toBe(
      true,
    );
    // gpt-4o-mini: 1500 × $0.15/M + 500 × $0.075/M + 400 × $0.60/M = $0.0005025 a call.
    for (const usd of costs) expect(usd).toBeCloseTo(0.0005025, 15);
    expect(costs.reduce((sum, usd) => sum + usd, 0)).toBeCloseTo(cost.costUsd, 15);
    // Only model calls are priced.
    expect(capture.records().filter((record) => "cost_usd" in record)).toHaveLength(4);
  });

  it("takes a plain function, and leaves the field out when the source cannot price the call", async () => {
    server.setScript({ usage: { promptTokens: 3, completionTokens: 4 } });
    const capture = captureLogger("info");
    const handler = new PinoCallbackHandler({
      logger: capture.logger,
      cost: (_output, hint) => (hint.model === "gpt-4o-mini" ? 0.125 : undefined),
    });
    await fakeChatOpenAI(server).invoke("priced", { callbacks: [handler] });
    await fakeChatOpenAI(server, { model: "unpriced-model" }).invoke("unpriced", { callbacks: [handler] });
    await awaitAllCallbacks();
    const [priced, unpriced] = capture.events("llm.end");
    expect(priced?.cost_usd).toBe(0.125);
    expect(unpriced).toBeDefined();
    expect(unpriced).not.toHaveProperty("cost_usd");
  });

  it("a throwing cost source is reported once and the record is still written", async () => {
    server.setScript({ usage: { promptTokens: 3, completionTokens: 4 } });
    const capture = captureLogger("info");
    const failures: string[] = [];
    const handler = new PinoCallbackHandler({
      logger: capture.logger,
      cost: () => {
        throw new Error("no prices today");
      },
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    await fakeChatOpenAI(server).batch(["a", "b"], { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(capture.events("llm.end")).toHaveLength(2);
    expect(capture.events("llm.end")[0]).not.toHaveProperty("cost_usd");
    expect(failures).toEqual(["cost"]);
  });

  it("no source, no field; a bad source throws at construction", async () => {
    server.setScript({ usage: { promptTokens: 3, completionTokens: 4 } });
    const capture = captureLogger("info");
    await fakeChatOpenAI(server).invoke("a", {
      callbacks: [new PinoCallbackHandler({ logger: capture.logger })],
    });
    await awaitAllCallbacks();
    expect(capture.events("llm.end")[0]).not.toHaveProperty("cost_usd");
    expect(() => new PinoCallbackHandler({ logger: capture.logger, cost: "cheap" as never })).toThrow(
      'PinoCallbackHandler: cost must be a function or have a costOfLLMResult() method (a TokenCostCallbackHandler), got "cheap"',
    );
  });

  it("no usage from the provider: the cost source's estimate is logged, marked cost_estimated", async () => {
    server.setScript({ usage: null, content: "no usage reported" });
    const capture = captureLogger("info");
    // The shape of TokenCostCallbackHandler's source: a figure, and whether it is its tokenizer estimate.
    const source = {
      costOfLLMResult: () => 0.000006899999999999999,
      costDetailOfLLMResult: () => ({ usd: 0.000006899999999999999, estimated: true }),
    };
    const handler = new PinoCallbackHandler({ logger: capture.logger, cost: source });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    const [end] = capture.events("llm.end");
    expect(end).toMatchObject({ cost_usd: 0.0000069, cost_estimated: true });
    expect(capture.lines.join("")).not.toContain("0.0000068999");
  });

  it("a usage of 1e20 tokens is logged as invalid, never as a count", async () => {
    server.setScript({ usage: { promptTokens: 1e20, completionTokens: 10 } });
    const capture = captureLogger("info");
    const handler = new PinoCallbackHandler({ logger: capture.logger });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    const usage = capture.events("llm.end")[0]?.usage as Record<string, unknown>;
    expect(usage.input).toBeUndefined();
    expect(usage.total).toBeUndefined();
    expect(usage.output).toBe(10);
    expect(usage.invalid).toEqual(["inputTokens", "totalTokens"]);
  });
});
