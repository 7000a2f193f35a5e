import {
  type FakeOpenAI,
  fakeChatOpenAI,
  hasToolResult,
  lastUserMessage,
  promptChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenCostCallbackHandler } from "../src/index.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

const CALL_USD = (100 * 0.15 + 10 * 0.6) / 1e6;

describe("run-tree roll-up", () => {
  it("a chain: the call rolls up to the chain's root run", async () => {
    server.setScript({ usage: { promptTokens: 100, completionTokens: 10 } });
    const handler = new TokenCostCallbackHandler();
    const runId = "0190f0a0-0000-7000-8000-000000000001";
    await promptChain(fakeChatOpenAI(server)).invoke({ question: "q" }, { callbacks: [handler], runId });
    await awaitAllCallbacks();
    expect(handler.records[0]?.traceId).toBe(runId);
    expect(handler.forTrace(runId)?.calls).toBe(1);
    expect(handler.forTrace(runId)?.costUsd).toBeCloseTo(CALL_USD, 14);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a tool-calling agent: both model turns roll up to the agent's trace", async () => {
    const script = weatherAgentScript();
    server.setScript((request) => ({
      ...script(request),
      usage: { promptTokens: 100, completionTokens: 10 },
    }));
    const handler = new TokenCostCallbackHandler();
    const runId = "0190f0a0-0000-7000-8000-000000000002";
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "Weather in Paris?" }] },
      { callbacks: [handler], runId },
    );
    await awaitAllCallbacks();
    expect(handler.records).toHaveLength(2);
    expect(handler.records.every((record) => record.traceId === runId)).toBe(true);
    expect(handler.forTrace(runId)?.calls).toBe(2);
    expect(handler.forTrace(runId)?.costUsd).toBeCloseTo(2 * CALL_USD, 14);
  });

  it("calls inside a tool and a sub-agent roll up to the outer agent's trace", async () => {
    server.setScript((request) => {
      const question = lastUserMessage(request);
      if (question.startsWith("sub:")) {
        // The sub-agent's own model call, inside the outer agent's tool.
        return { content: "sub answer", usage: { promptTokens: 1_000, completionTokens: 100 } };
      }
      return hasToolResult(request)
        ? { content: "done", usage: { promptTokens: 100, completionTokens: 10 } }
        : {
            toolCalls: [{ name: "ask_expert", args: { question: "sub: why?" } }],
            usage: { promptTokens: 100, completionTokens: 10 },
          };
    });
    const model = fakeChatOpenAI(server);
    const subAgent = createAgent({ model, tools: [] });
    const askExpert = tool(
      async (input: { question: string }, config) => {
        const result = await subAgent.invoke(
          { messages: [{ role: "user", content: input.question }] },
          config,
        );
        return String(result.messages.at(-1)?.content);
      },
      {
        name: "ask_expert",
        description: "Ask a sub-agent.",
        schema: { type: "object", properties: { question: { type: "string" } }, required: ["question"] },
      },
    );
    const outer = createAgent({ model, tools: [askExpert] });
    const handler = new TokenCostCallbackHandler();
    const runId = "0190f0a0-0000-7000-8000-000000000003";
    await outer.invoke(
      { messages: [{ role: "user", content: "Ask the expert" }] },
      { callbacks: [handler], runId },
    );
    await awaitAllCallbacks();
    expect(handler.records).toHaveLength(3);
    const trace = handler.forTrace(runId);
    expect(trace?.calls).toBe(3);
    expect(trace?.tokens.inputTokens).toBe(1_200);
    expect(trace?.costUsd).toBeCloseTo(2 * CALL_USD + (1_000 * 0.15 + 100 * 0.6) / 1e6, 14);
    expect(handler.records.every((record) => record.traceId === runId)).toBe(true);
    expect(handler.activeRunCount).toBe(0);
  });

  it("separate invocations are separate traces; totals cover both", async () => {
    server.setScript({ usage: { promptTokens: 100, completionTokens: 10 } });
    const handler = new TokenCostCallbackHandler();
    const chain = promptChain(fakeChatOpenAI(server));
    await chain.invoke(
      { question: "a" },
      { callbacks: [handler], runId: "0190f0a0-0000-7000-8000-00000000000a" },
    );
    await chain.invoke(
      { question: "b" },
      { callbacks: [handler], runId: "0190f0a0-0000-7000-8000-00000000000b" },
    );
    await awaitAllCallbacks();
    expect(handler.forTrace("0190f0a0-0000-7000-8000-00000000000a")?.calls).toBe(1);
    expect(handler.forTrace("0190f0a0-0000-7000-8000-00000000000b")?.calls).toBe(1);
    expect(handler.totals.calls).toBe(2);
    expect(handler.forTrace("no-such-trace")).toBeUndefined();
  });

  it("a trace active again is kept over an idle one (CLOCK eviction)", async () => {
    server.setScript({ usage: { promptTokens: 100, completionTokens: 10 } });
    const handler = new TokenCostCallbackHandler({ maxTraces: 3 });
    const model = fakeChatOpenAI(server);
    const id = (n: number) => `0190f0a0-0000-7000-8000-00000000030${n}`;
    for (const n of [1, 2, 3]) await model.invoke("q", { callbacks: [handler], runId: id(n) });
    // Trace 1 gets a second call (same root id), then a fourth trace arrives: trace 2 is the one dropped.
    await model.invoke("again", { callbacks: [handler], runId: id(1) });
    await model.invoke("q", { callbacks: [handler], runId: id(4) });
    await awaitAllCallbacks();
    expect(handler.forTrace(id(1))?.calls).toBe(2);
    expect(handler.forTrace(id(2))).toBeUndefined();
    expect(handler.forTrace(id(3))?.calls).toBe(1);
    expect(handler.forTrace(id(4))?.calls).toBe(1);
  });

  it("keeps at most maxTraces traces, dropping the oldest idle ones", async () => {
    server.setScript({ usage: { promptTokens: 100, completionTokens: 10 } });
    const handler = new TokenCostCallbackHandler({ maxTraces: 3 });
    const model = fakeChatOpenAI(server);
    for (let i = 0; i < 5; i++) {
      await model.invoke(`q${i}`, { callbacks: [handler], runId: `0190f0a0-0000-7000-8000-00000000010${i}` });
    }
    await awaitAllCallbacks();
    expect(handler.traceIds()).toEqual([
      "0190f0a0-0000-7000-8000-000000000102",
      "0190f0a0-0000-7000-8000-000000000103",
      "0190f0a0-0000-7000-8000-000000000104",
    ]);
    expect(handler.forTrace("0190f0a0-0000-7000-8000-000000000100")).toBeUndefined();
    expect(handler.totals.calls).toBe(5);
  });
});
