import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { OpenTelemetryCallbackHandler, type OpenTelemetryCallbackHandlerOptions } from "../src/index.js";

// What a Node service does at startup (sdk-trace-node registers the same manager): without a context manager
// there is no "active span" to join.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** A real SDK tracer provider recording into memory, and a handler on it. */
export function tracing(options: Omit<OpenTelemetryCallbackHandlerOptions, "tracerProvider"> = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const handler = new OpenTelemetryCallbackHandler({ ...options, tracerProvider: provider });
  return {
    exporter,
    provider,
    handler,
    /** The finished spans, in the order they ended. */
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** The one finished span with this name (fails when there is none or several). */
    span(name: string): ReadableSpan {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one span "${name}", found ${found.length}: ${names(exporter.getFinishedSpans())}`,
        );
      }
      return found[0] as ReadableSpan;
    },
  };
}

/** Span names, for messages. */
export function names(spans: readonly ReadableSpan[]): string {
  return spans.map((span) => span.name).join(", ");
}

/** The parent span's name, or undefined for a root. */
export function parentOf(span: ReadableSpan, all: readonly ReadableSpan[]): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return all.find((candidate) => candidate.spanContext().spanId === parentId);
}

/** Drains a `.stream()` call. */
export async function drain(stream: Promise<AsyncIterable<unknown>>): Promise<void> {
  for await (const _ of await stream);
}
