import { fakeChatOpenAI, promptChain, startFakeOpenAI } from "@chainwatch/testkit";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { OpenTelemetryCallbackHandler } from "../src/index.js";
import { tracing } from "./helpers.js";

describe("options", () => {
  it("throws on an unknown option key, naming it and the closest known key", () => {
    expect(() => new OpenTelemetryCallbackHandler({ contnet: true } as never)).toThrow(/contnet.*content/s);
  });

  it("throws on a bad spans value and a bad maxContentLength", () => {
    expect(() => new OpenTelemetryCallbackHandler({ spans: "some" as never })).toThrow(
      /spans must be "all" or "genai"/,
    );
    expect(() => new OpenTelemetryCallbackHandler({ maxContentLength: 0 })).toThrow(/maxContentLength/);
    expect(() => new OpenTelemetryCallbackHandler({ cost: "cheap" as never })).toThrow(/cost must be/);
  });

  it("uses the global tracer provider by default, and a given tracer over the provider", async () => {
    const server = await startFakeOpenAI({ content: "ok" });
    try {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      // Built before the provider is registered: the global proxy tracer delegates once it is.
      const handler = new OpenTelemetryCallbackHandler();
      trace.setGlobalTracerProvider(provider);
      await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(["chat gpt-4o-mini"]);
      expect(exporter.getFinishedSpans()[0]?.instrumentationScope.name).toBe("@chainwatch/otel-tracing");

      const other = tracing();
      const viaTracer = new OpenTelemetryCallbackHandler({
        tracer: other.provider.getTracer("mine"),
        tracerProvider: provider,
      });
      await fakeChatOpenAI(server).invoke("hi", { callbacks: [viaTracer] });
      expect(other.spans()[0]?.instrumentationScope.name).toBe("mine");
      expect(exporter.getFinishedSpans()).toHaveLength(1);
    } finally {
      trace.disable();
      await server.close();
    }
  });

  it("writes the USD cost of each call from a cost source", async () => {
    const server = await startFakeOpenAI({
      content: "ok",
      usage: { promptTokens: 1000, completionTokens: 500 },
    });
    try {
      const seen: unknown[] = [];
      const t = tracing({
        cost: (output, hint) => {
          seen.push(hint);
          return output === undefined ? undefined : 0.0125;
        },
      });
      await fakeChatOpenAI(server).invoke("hi", { callbacks: [t.handler] });
      expect(t.span("chat gpt-4o-mini").attributes["chainwatch.cost.usd"]).toBe(0.0125);
      expect(seen).toEqual([{ model: "gpt-4o-mini", provider: "openai" }]);
    } finally {
      await server.close();
    }
  });

  it("keeps LangChain's ignore flags: with ignoreChain a chain's model call is a root span", async () => {
    const server = await startFakeOpenAI({ content: "ok" });
    try {
      const t = tracing({ ignoreChain: true });
      await promptChain(fakeChatOpenAI(server)).invoke({ question: "q" }, { callbacks: [t.handler] });
      expect(t.spans().map((span) => span.name)).toEqual(["chat gpt-4o-mini"]);
      expect(t.spans()[0]?.parentSpanContext).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it("copy() builds a twin on the same tracer", async () => {
    const server = await startFakeOpenAI({ content: "ok" });
    try {
      const t = tracing();
      const twin = t.handler.copy();
      await fakeChatOpenAI(server).invoke("hi", { callbacks: [twin] });
      expect(t.spans()).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
