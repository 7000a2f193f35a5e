import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { expect } from "vitest";
import { OpenTelemetryCallbackHandler } from "../src/index.js";
import "./helpers.js";

/** A span processor that fails on every span: the tracer is this handler's sink. */
const brokenProcessor: SpanProcessor = {
  onStart: () => {
    throw new Error("span processor down");
  },
  onEnd: () => {
    throw new Error("span processor down");
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

const exporters = new WeakMap<object, InMemorySpanExporter>();

describeHandlerConformance(
  "OpenTelemetryCallbackHandler",
  (context) => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [context.failingSink ? brokenProcessor : new SimpleSpanProcessor(exporter)],
    });
    const handler = new OpenTelemetryCallbackHandler({
      tracerProvider: provider,
      content: true,
      runs: context.runs,
      onHandlerError: context.onHandlerError,
    });
    exporters.set(handler, exporter);
    return handler;
  },
  {
    afterConcurrentRuns: (handler, runs) => {
      const spans = exporters.get(handler)!.getFinishedSpans();
      const chats = spans.filter((span) => span.attributes["gen_ai.operation.name"] === "chat");
      expect(chats).toHaveLength(runs.length);
      expect(new Set(chats.map((span) => span.spanContext().traceId)).size).toBe(runs.length);
      // Each span holds its own run's input and output: nothing crossed between interleaved runs.
      for (const run of runs) {
        const content = `"content":${JSON.stringify(run.input)}`;
        const span = chats.find((chat) => String(chat.attributes["gen_ai.input.messages"]).includes(content));
        expect(span, run.input).toBeDefined();
        expect(String(span!.attributes["gen_ai.output.messages"])).toContain(
          `"content":${JSON.stringify(run.output)}`,
        );
      }
    },
  },
);
