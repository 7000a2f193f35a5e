import { Console } from "node:console";
import { createWriteStream } from "node:fs";
import { NoopCallbackHandler } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import * as CallbackManagerModule from "@langchain/core/callbacks/manager";
import { ConsoleCallbackHandler } from "@langchain/core/tracers/console";

/** The handlers a subject attaches, and how to undo any global set-up. */
export interface Attached {
  callbacks: BaseCallbackHandler[];
  teardown?: () => void | Promise<void>;
}

/** Something timed on every workload. */
export interface Subject {
  name: string;
  group: "baseline" | "chainwatch" | "peer";
  /** Ratio to the no-op handler this subject must stay under, where the issue sets one. */
  goal?: number;
  /**
   * The baseline its ratio is taken against. Handlers that set `lc_prefer_streaming` turn a plain `invoke()` into a
   * streaming call; they are compared with a no-op handler that does the same, so the ratio is the handler's cost,
   * not the cost of streaming. @default "no-op handler"
   */
  baseline?: string;
  attach: () => Promise<Attached>;
}

const devNull = () => new Console(createWriteStream("/dev/null"));

/** Name of the baseline for handlers that make `invoke()` stream. */
export const STREAMING_NOOP = "no-op handler preferring streaming";

/** A no-op handler that, like a token printer, asks LangChain to stream plain `invoke()` calls. */
class StreamingNoopCallbackHandler extends NoopCallbackHandler {
  override name = "noop_streaming";
  lc_prefer_streaming = true;
}

export const BASELINES: Subject[] = [
  { name: "no handler", group: "baseline", attach: async () => ({ callbacks: [] }) },
  {
    name: "no-op handler",
    group: "baseline",
    attach: async () => ({ callbacks: [new NoopCallbackHandler()] }),
  },
  {
    name: STREAMING_NOOP,
    group: "baseline",
    attach: async () => ({ callbacks: [new StreamingNoopCallbackHandler()] }),
  },
];

export const PEERS: Subject[] = [
  {
    name: "ConsoleCallbackHandler → /dev/null",
    group: "peer",
    attach: async () => {
      const original = console.log;
      const sink = devNull();
      console.log = sink.log.bind(sink);
      return {
        callbacks: [new ConsoleCallbackHandler()],
        teardown: () => {
          console.log = original;
        },
      };
    },
  },
  {
    name: "OpenInference LangChain instrumentation (in-memory spans)",
    group: "peer",
    attach: async () => {
      const { LangChainInstrumentation } = await import("@arizeai/openinference-instrumentation-langchain");
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
        "@opentelemetry/sdk-trace-base"
      );
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
      instrumentation.manuallyInstrument(CallbackManagerModule);
      // Spans pile up in memory: drop them between samples so the heap does not skew later tasks.
      const timer = setInterval(() => exporter.reset(), 200);
      return {
        callbacks: [],
        teardown: async () => {
          clearInterval(timer);
          (instrumentation as unknown as { unpatch: (module: unknown) => void }).unpatch(
            CallbackManagerModule,
          );
          exporter.reset();
          await provider.shutdown();
        },
      };
    },
  },
  {
    name: "@langfuse/langchain (in-memory spans, no server)",
    group: "peer",
    attach: async () => {
      const { trace } = await import("@opentelemetry/api");
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
        "@opentelemetry/sdk-trace-base"
      );
      const { CallbackHandler } = await import("@langfuse/langchain");
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      trace.setGlobalTracerProvider(provider);
      const timer = setInterval(() => exporter.reset(), 200);
      return {
        callbacks: [new CallbackHandler() as unknown as BaseCallbackHandler],
        teardown: async () => {
          clearInterval(timer);
          trace.disable();
          exporter.reset();
          await provider.shutdown();
        },
      };
    },
  },
];
