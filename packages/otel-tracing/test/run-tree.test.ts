import {
  type FakeOpenAI,
  fakeChatOpenAI,
  promptChain,
  retrievalChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parentOf, tracing } from "./helpers.js";

describe("a run tree as one trace", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });

  it("parents a chain's prompt, model and parser spans under the chain's root span", async () => {
    const t = tracing();
    server.setScript({ content: "a joke" });
    await promptChain(fakeChatOpenAI(server)).invoke({ question: "owls?" }, { callbacks: [t.handler] });
    const spans = t.spans();
    const root = spans.find((span) => span.parentSpanContext === undefined);
    expect(root?.name).toMatch(/^invoke_workflow /);
    expect(root?.attributes["gen_ai.operation.name"]).toBe("invoke_workflow");
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    const model = t.span("chat gpt-4o-mini");
    expect(parentOf(model, spans)).toBe(root);
    // The prompt template is a span of its own under the root, typed as a prompt.
    const prompt = spans.find((span) => span.attributes["langchain.run.type"] === "prompt");
    expect(prompt).toBeDefined();
    expect(parentOf(prompt!, spans)).toBe(root);
    expect(spans.length).toBeGreaterThanOrEqual(3);
  });

  it('drops chain, prompt and parser spans with spans: "genai", re-parenting their children', async () => {
    const t = tracing({ spans: "genai" });
    server.setScript(weatherAgentScript());
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "weather in Paris?" }] },
      { callbacks: [t.handler] },
    );
    const spans = t.spans();
    const agent = t.span("invoke_agent LangGraph");
    expect(spans.map((span) => span.name).sort()).toEqual([
      "chat gpt-4o-mini",
      "chat gpt-4o-mini",
      "execute_tool get_weather",
      "invoke_agent LangGraph",
    ]);
    for (const span of spans) if (span !== agent) expect(parentOf(span, spans)).toBe(agent);
  });

  it("traces a tool-calling agent: invoke_agent at the root, chat and execute_tool spans below", async () => {
    const t = tracing();
    server.setScript(weatherAgentScript());
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "weather in Paris?" }] },
      { callbacks: [t.handler] },
    );
    const spans = t.spans();
    const agent = t.span("invoke_agent LangGraph");
    expect(agent.parentSpanContext).toBeUndefined();
    expect(agent.kind).toBe(SpanKind.INTERNAL);
    expect(agent.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "LangGraph",
    });
    const tool = t.span("execute_tool get_weather");
    expect(tool.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "get_weather",
      "gen_ai.tool.type": "function",
      "gen_ai.tool.call.id": "call_1",
    });
    expect(tool.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
    // The tool runs inside the graph's `tools` node, a chain span under the agent.
    expect(parentOf(tool, spans)?.name).toBe("tools");
    expect(parentOf(parentOf(tool, spans)!, spans)).toBe(agent);
    const chats = spans.filter((span) => span.name === "chat gpt-4o-mini");
    expect(chats).toHaveLength(2);
    expect(chats[0]?.attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_calls"]);
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(spans.every((span) => span.status.code !== SpanStatusCode.ERROR)).toBe(true);
    expect(t.handler.activeRunCount).toBe(0);
  });

  it("traces a retriever as a retrieval span inside its chain", async () => {
    const t = tracing({ content: true });
    server.setScript({ content: "answer" });
    await retrievalChain(fakeChatOpenAI(server)).invoke(
      { question: "what is chainwatch?" },
      { callbacks: [t.handler] },
    );
    const spans = t.spans();
    const retrieval = spans.find((span) => span.attributes["gen_ai.operation.name"] === "retrieval");
    expect(retrieval?.name).toBe("retrieval FixedRetriever");
    expect(retrieval?.attributes["gen_ai.retrieval.query.text"]).toBe("what is chainwatch?");
    expect(String(retrieval?.attributes["gen_ai.retrieval.documents"])).toContain(
      "never change a run's output",
    );
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(retrieval?.parentSpanContext).toBeDefined();
  });

  it("joins the span active in the caller's context: an HTTP server span and its chain form one trace", async () => {
    const t = tracing();
    server.setScript({ content: "a joke" });
    const tracer = t.provider.getTracer("http-server");
    const request = tracer.startSpan("GET /joke", { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), request), () =>
      promptChain(fakeChatOpenAI(server)).invoke({ question: "owls?" }, { callbacks: [t.handler] }),
    );
    request.end();
    const spans = t.spans();
    const server_ = t.span("GET /joke");
    const root = spans.find((span) => span.name.startsWith("invoke_workflow"));
    expect(root?.parentSpanContext?.spanId).toBe(server_.spanContext().spanId);
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(
      new Set([server_.spanContext().traceId]),
    );
  });

  it("keeps 50 concurrent runs apart: each its own trace, every child under its own root", async () => {
    const t = tracing({ content: true });
    server.setScript((request) => ({
      content: `re: ${JSON.stringify(request.body?.messages?.at(-1))}`,
      delayMs: 5,
    }));
    const chain = promptChain(fakeChatOpenAI(server));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        chain.invoke({ question: `topic-${i}` }, { callbacks: [t.handler] }),
      ),
    );
    const spans = t.spans();
    const roots = spans.filter((span) => span.parentSpanContext === undefined);
    expect(roots).toHaveLength(50);
    expect(new Set(roots.map((span) => span.spanContext().traceId)).size).toBe(50);
    for (const span of spans) {
      let top = span;
      while (parentOf(top, spans) !== undefined) top = parentOf(top, spans)!;
      expect(roots).toContain(top);
      expect(top.spanContext().traceId).toBe(span.spanContext().traceId);
    }
    const chats = spans.filter((span) => span.name === "chat gpt-4o-mini");
    expect(chats).toHaveLength(50);
    // Each model span carries its own call's prompt and reply (the server echoes the prompt).
    for (const chat of chats) {
      const topic = /topic-\d+/.exec(String(chat.attributes["gen_ai.input.messages"]))?.[0];
      expect(topic).toBeDefined();
      expect(String(chat.attributes["gen_ai.output.messages"])).toContain(`${topic}`);
    }
    expect(
      new Set(chats.map((chat) => /topic-\d+/.exec(String(chat.attributes["gen_ai.input.messages"]))?.[0]))
        .size,
    ).toBe(50);
    expect(t.handler.activeRunCount).toBe(0);
  });
});
