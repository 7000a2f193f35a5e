import { OpenTelemetryCallbackHandler } from "@chainwatch/otel-tracing";
import { RedactingCallbackHandler } from "@chainwatch/pii-redact";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObservability } from "../src/index.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracerProvider };
}

describe("createObservability: tracing", () => {
  it("adds OpenTelemetry spans whose model spans carry the cost handler's USD cost", async () => {
    const { exporter, tracerProvider } = sdk();
    server.setScript({ content: "ok", usage: { promptTokens: 2000, completionTokens: 400 } });
    const stack = await createObservability({ registry: new Registry(), tracing: { tracerProvider } });
    expect(stack.handlers.tracing).toBeInstanceOf(OpenTelemetryCallbackHandler);
    expect(stack.callbacks[0].handlers).toContain(stack.handlers.tracing);
    await fakeChatOpenAI(server).invoke("hi", { callbacks: stack.callbacks });
    await stack.close();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("chat gpt-4o-mini");
    const usd = span?.attributes["chainwatch.cost.usd"];
    expect(usd).toBeGreaterThan(0);
    expect(usd).toBe(stack.handlers.cost.totals.costUsd);
  });

  it("puts the tracer behind redaction when it records content, and is off unless asked", async () => {
    const { exporter, tracerProvider } = sdk();
    server.setScript({ content: "Mail me at jane.doe@example.com" });
    const stack = await createObservability({
      registry: new Registry(),
      tracing: { tracerProvider, content: true },
    });
    expect(stack.handlers.redacted.tracing).toBeInstanceOf(RedactingCallbackHandler);
    expect(stack.callbacks[0].handlers).toContain(stack.handlers.redacted.tracing);
    await fakeChatOpenAI(server).invoke("I am jane.doe@example.com", { callbacks: stack.callbacks });
    await stack.close();
    const text = JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes));
    expect(text).toContain("gen_ai.output.messages");
    expect(text).not.toContain("jane.doe@example.com");

    const plain = await createObservability({ registry: new Registry() });
    expect(plain.handlers.tracing).toBeUndefined();
    await plain.close();
  });
});
