import {
  type FakeOpenAI,
  fakeChatOpenAI,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenTelemetryCallbackHandler } from "../src/index.js";
import "./helpers.js";
import { startOtlpReceiver } from "./otlp-receiver.js";

describe("OTLP/HTTP export", () => {
  let server: FakeOpenAI;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    server = await startFakeOpenAI(weatherAgentScript());
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it("sends an agent's trace as protobuf that a collector decodes: names, parents, GenAI attributes", async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
    });
    const handler = new OpenTelemetryCallbackHandler({ tracerProvider: provider, spans: "genai" });
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "weather in Paris?" }] },
      { callbacks: [handler] },
    );
    await provider.forceFlush();
    await provider.shutdown();

    expect(receiver.contentTypes).toContain("application/x-protobuf");
    const spans = receiver.spans;
    expect(spans.map((span) => span.name).sort()).toEqual([
      "chat gpt-4o-mini",
      "chat gpt-4o-mini",
      "execute_tool get_weather",
      "invoke_agent LangGraph",
    ]);
    const agent = spans.find((span) => span.name === "invoke_agent LangGraph")!;
    expect(agent.parentSpanId).toBe("");
    expect(agent.scope).toBe("@chainwatch/otel-tracing");
    for (const span of spans) {
      expect(span.traceId).toBe(agent.traceId);
      if (span !== agent) expect(span.parentSpanId).toBe(agent.spanId);
    }
    const chat = spans.find((span) => span.name === "chat gpt-4o-mini")!;
    expect(chat.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(chat.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.finish_reasons": ["tool_calls"],
    });
    expect(chat.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    const tool = spans.find((span) => span.name === "execute_tool get_weather")!;
    expect(tool.attributes).toMatchObject({
      "gen_ai.tool.name": "get_weather",
      "gen_ai.tool.call.id": "call_1",
    });
  });
});
