import type { ChainwatchHandlerOptions, CostOption } from "@chainwatch/core";
import type { BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { Tracer, TracerProvider } from "@opentelemetry/api";

/**
 * Which runs become spans.
 * - `"all"`: every run LangChain reports (model, tool, agent, retriever, chain, prompt template, parser).
 * - `"genai"`: the runs the GenAI conventions define (model calls, tools, agents, retrievers) plus the root of
 *   each run tree (so a tree stays one trace); the spans of other chains, prompts and parsers are dropped and
 *   their children attached to the nearest kept ancestor.
 */
export type SpanSelection = "all" | "genai";

/** Options of {@link OpenTelemetryCallbackHandler}. */
export interface OpenTelemetryCallbackHandlerOptions
  extends ChainwatchHandlerOptions,
    Pick<BaseCallbackHandlerInput, "ignoreLLM" | "ignoreChain" | "ignoreAgent" | "ignoreRetriever"> {
  /**
   * Where the tracer comes from when `tracer` is not given.
   * @default the global tracer provider (`trace.getTracerProvider()`), looked up at construction
   */
  tracerProvider?: TracerProvider;
  /**
   * The tracer to start spans with; takes precedence over `tracerProvider`.
   * @default `tracerProvider.getTracer("@chainwatch/otel-tracing", version)`
   */
  tracer?: Tracer;
  /**
   * Which runs become spans.
   * @default "all"
   */
  spans?: SpanSelection;
  /**
   * Record content: model input and output messages, system instructions, tool arguments and results, retrieval
   * queries. Off by default: content is personal data more often than not. Wrap the handler in `withRedaction`
   * (`@chainwatch/pii-redact`) to redact it.
   * @default false
   */
  content?: boolean;
  /**
   * The longest content attribute, in characters; longer values are cut and end in `…[+N chars]` (a cut JSON value is no longer valid JSON).
   * @default 8192
   */
  maxContentLength?: number;
  /**
   * Prices each model call: a `CostSource` (a `TokenCostCallbackHandler`) or a function. The USD cost is written
   * as `chainwatch.cost.usd` on the model span.
   */
  cost?: CostOption;
}
