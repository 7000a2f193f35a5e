import {
  type FakeOpenAI,
  FixedRetriever,
  fakeChatOpenAI,
  manualClock,
  promptChain,
  retrievalChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeLLM } from "@langchain/core/utils/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { callbacks, captureLogger, drain } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

function setup(options: ConstructorParameters<typeof PinoCallbackHandler>[0] = {}) {
  const capture = captureLogger("trace");
  const handler = new PinoCallbackHandler({ logger: capture.logger, ...options });
  return { ...capture, handler };
}

describe("LLM records", () => {
  it("invoke: llm.start and llm.end with model, params, usage, finish reason, timing", async () => {
    server.setScript({
      content: "Hello there",
      model: "gpt-4o-mini-2024-07-18",
      usage: { promptTokens: 120, completionTokens: 30, cachedTokens: 100, reasoningTokens: 10 },
    });
    const { handler, events } = setup();
    await fakeChatOpenAI(server, { temperature: 0.2, maxTokens: 64 }).invoke("Say hello", {
      callbacks: [handler],
      tags: ["greeting"],
    });
    await awaitAllCallbacks();
    const [start] = events("llm.start");
    const [end] = events("llm.end");
    expect(start).toMatchObject({
      level: 20,
      run_type: "llm",
      run_name: "ChatOpenAI",
      depth: 0,
      tags: ["greeting"],
      provider: "openai",
      model: "gpt-4o-mini",
      params: { temperature: 0.2, max_tokens: 64 },
      input: [{ role: "human", content: "Say hello" }],
    });
    expect(start?.root_run_id).toBe(start?.run_id);
    expect(end).toMatchObject({
      level: 30,
      run_id: start?.run_id,
      provider: "openai",
      model: "gpt-4o-mini-2024-07-18",
      requested_model: "gpt-4o-mini",
      usage: { input: 120, output: 30, total: 150, cache_read: 100, reasoning: 10 },
      finish_reason: "stop",
      streamed: false,
      output: "Hello there",
    });
    expect(end?.duration_ms).toBeTypeOf("number");
    expect(end?.tokens_per_second).toBeGreaterThan(0);
    expect(events("llm.first_token")).toHaveLength(0);
    expect(handler.activeRunCount).toBe(0);
  });

  it("stream: llm.first_token once, at the first token that carries content; every token only when enabled", async () => {
    server.setScript({ content: "one two three" });
    const quiet = setup();
    await drain(fakeChatOpenAI(server).stream("count", { callbacks: [quiet.handler] }));
    const verbose = setup({ levels: { token: "trace" } });
    await drain(fakeChatOpenAI(server).stream("count", { callbacks: [verbose.handler] }));
    await awaitAllCallbacks();
    expect(quiet.events("llm.token")).toHaveLength(0);
    const [first] = quiet.events("llm.first_token");
    expect(quiet.events("llm.first_token")).toHaveLength(1);
    expect(first).toMatchObject({ level: 20, model: "gpt-4o-mini", provider: "openai" });
    expect(first?.ttft_ms).toBeTypeOf("number");
    const [end] = quiet.events("llm.end");
    expect(end).toMatchObject({ streamed: true, output: "one two three" });
    expect(end?.ttft_ms).toBe(first?.ttft_ms);
    const tokens = verbose.events("llm.token");
    expect(tokens.map((record) => record.token).join("")).toBe("one two three");
    expect(tokens.every((record) => record.level === 10)).toBe(true);
  });

  it("a text-completion LLM (handleLLMStart): the prompt as input, the completion as output", async () => {
    const { handler, events } = setup();
    await new FakeLLM({ response: "completed text" }).invoke("complete this", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(events("llm.start")[0]).toMatchObject({
      run_type: "llm",
      run_name: "FakeLLM",
      input: "complete this",
    });
    expect(events("llm.end")[0]).toMatchObject({ output: "completed text" });
  });

  it("tool calls of a model turn: name, id and args", async () => {
    server.setScript({ toolCalls: [{ id: "call_7", name: "get_weather", args: { city: "Paris" } }] });
    const { handler, events } = setup();
    await fakeChatOpenAI(server).invoke("weather?", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(events("llm.end")[0]).toMatchObject({
      finish_reason: "tool_calls",
      tool_calls: [{ name: "get_weather", id: "call_7", args: { city: "Paris" } }],
    });
  });

  it("batch of 3: three root runs, each start with its own end", async () => {
    server.setScript(undefined);
    const { handler, events } = setup();
    await fakeChatOpenAI(server).batch(["a", "b", "c"], { callbacks: [handler] });
    await awaitAllCallbacks();
    const starts = events("llm.start");
    const ends = events("llm.end");
    expect(starts).toHaveLength(3);
    for (const start of starts) {
      const end = ends.find((record) => record.run_id === start.run_id);
      const question = (start.input as { content: string }[])[0]?.content;
      expect(end?.output).toBe(`You said: ${question}`);
      expect(start.depth).toBe(0);
    }
  });
});

describe("run tree", () => {
  it("prompt | model | parser: parent, root, depth, run type and tags on every record", async () => {
    server.setScript(undefined);
    const { handler, records } = setup();
    await promptChain(fakeChatOpenAI(server)).invoke({ question: "tree?" }, { callbacks: [handler] });
    await awaitAllCallbacks();
    const all = records();
    const root = all.find((record) => record.msg === "chain.start" && record.depth === 0);
    expect(root).toMatchObject({
      run_type: "chain",
      run_name: "RunnableSequence",
      input: { question: "tree?" },
    });
    const children = all.filter((record) => record.run_id !== root?.run_id);
    expect(children.length).toBeGreaterThanOrEqual(6);
    for (const child of children) {
      expect(child).toMatchObject({ parent_run_id: root?.run_id, root_run_id: root?.run_id, depth: 1 });
    }
    expect(all.find((record) => record.msg === "chain.start" && record.run_type === "prompt")).toMatchObject({
      run_name: "ChatPromptTemplate",
      tags: ["seq:step:1"],
    });
    expect(all.find((record) => record.msg === "llm.start")?.tags).toEqual(["seq:step:2"]);
    expect(all.find((record) => record.msg === "chain.end" && record.depth === 0)?.output).toEqual({
      output: "You said: tree?",
    });
  });

  it("metadata: only allow-listed keys are copied", async () => {
    const { handler, events } = setup({ metadataKeys: ["tenant", "missing"] });
    await fakeChatOpenAI(server).invoke("meta", {
      callbacks: [handler],
      metadata: { tenant: "acme", user_email: "someone@example.com" },
    });
    await awaitAllCallbacks();
    const [end] = events("llm.end");
    expect(end?.metadata).toEqual({ tenant: "acme" });
    expect(JSON.stringify(events("llm.start"))).not.toContain("someone@example.com");
  });

  it("tool-calling agent: LangGraph node and step, tool.start/tool.end with the call id", async () => {
    server.setScript(weatherAgentScript("Oslo"));
    const { handler, events, records } = setup();
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "Weather in Oslo?" }] },
      { callbacks: [handler] },
    );
    await awaitAllCallbacks();
    const [toolStart] = events("tool.start");
    const [toolEnd] = events("tool.end");
    expect(toolStart).toMatchObject({ run_type: "tool", run_name: "get_weather", langgraph_node: "tools" });
    expect(toolStart?.langgraph_step).toBeTypeOf("number");
    expect(toolStart?.tool_call_id).toBeTypeOf("string");
    expect(JSON.stringify(toolStart?.input)).toContain("Oslo");
    expect(toolEnd).toMatchObject({ run_id: toolStart?.run_id });
    expect(JSON.stringify(toolEnd?.output)).toContain("21°C and sunny in Oslo");
    const llmEnds = events("llm.end");
    expect(llmEnds).toHaveLength(2);
    expect(llmEnds[0]?.tool_calls).toEqual([
      expect.objectContaining({ name: "get_weather", args: { city: "Oslo" } }),
    ]);
    expect(llmEnds.every((record) => record.langgraph_node === "model_request")).toBe(true);
    const rootId = records()[0]?.run_id;
    expect(records().every((record) => record.root_run_id === rootId)).toBe(true);
  });

  it("retriever: retriever.start with the query, retriever.end with the documents", async () => {
    server.setScript(undefined);
    const { handler, events } = setup();
    await retrievalChain(fakeChatOpenAI(server), new FixedRetriever()).invoke(
      { question: "What do handlers do?" },
      { callbacks: [handler] },
    );
    await awaitAllCallbacks();
    expect(events("retriever.start")[0]).toMatchObject({
      run_type: "retriever",
      input: "What do handlers do?",
    });
    const [end] = events("retriever.end");
    expect(end?.document_count).toBe(2);
    expect(end?.output).toEqual([
      { page_content: "Chainwatch handlers never change a run's output.", metadata: { source: "doc-1" } },
      { page_content: "Per-run state is evicted when a run never ends.", metadata: { source: "doc-2" } },
    ]);
  });

  it("custom events and legacy agent actions", async () => {
    const { handler, events } = setup();
    const step = RunnableLambda.from(async (input: string) => {
      await dispatchCustomEvent("progress", { done: 3, of: 5 });
      return input;
    });
    await step.invoke("x", { callbacks: [handler], runName: "stepper" });
    await callbacks(handler).handleAgentAction(
      { tool: "search", toolInput: { q: "pino" }, log: "I should search" },
      "agent-run",
      undefined,
    );
    await callbacks(handler).handleAgentEnd(
      { returnValues: { output: "done" }, log: "" },
      "agent-run",
      undefined,
    );
    await awaitAllCallbacks();
    expect(events("custom")[0]).toMatchObject({
      level: 30,
      name: "progress",
      data: { done: 3, of: 5 },
      run_name: "stepper",
    });
    expect(events("agent.action")[0]).toMatchObject({
      run_id: "agent-run",
      tool: "search",
      tool_input: { q: "pino" },
      log: "I should search",
    });
    expect(events("agent.end")[0]).toMatchObject({ run_id: "agent-run", output: { output: "done" } });
  });
});

describe("timing", () => {
  it("duration, time to first token and tokens per second from the run clock", () => {
    const clock = manualClock(1_000);
    const { handler, events } = setup({ runs: { now: clock.now } });
    callbacks(handler).handleChatModelStart({ id: ["ChatOpenAI"] }, [[]], "run-1", undefined, {}, [], {
      ls_provider: "openai",
      ls_model_name: "gpt-4o-mini",
    });
    clock.advance(40);
    const empty = new ChatGenerationChunk({ text: "", message: new AIMessageChunk({ content: "" }) });
    callbacks(handler).handleLLMNewToken("", { prompt: 0, completion: 0 }, "run-1", undefined, undefined, {
      chunk: empty,
    });
    clock.advance(60);
    callbacks(handler).handleLLMNewToken("Hi", { prompt: 0, completion: 0 }, "run-1");
    clock.advance(1_000);
    callbacks(handler).handleLLMNewToken(" there", { prompt: 0, completion: 0 }, "run-1");
    const message = new AIMessage({
      content: "Hi there",
      usage_metadata: { input_tokens: 5, output_tokens: 50, total_tokens: 55 },
    });
    callbacks(handler).handleLLMEnd({ generations: [[{ text: "Hi there", message }]] }, "run-1");
    expect(events("llm.first_token")[0]?.ttft_ms).toBe(100);
    expect(events("llm.end")[0]).toMatchObject({
      duration_ms: 1_100,
      ttft_ms: 100,
      tokens_per_second: 50,
      streamed: true,
      usage: { input: 5, output: 50, total: 55 },
    });
  });
});
