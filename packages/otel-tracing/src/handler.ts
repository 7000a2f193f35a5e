import {
  ChainwatchCallbackHandler,
  type CostFunction,
  type EvictionReason,
  handlerOptionShape,
  type ModelStartInput,
  type RunType,
  resolveCostSource,
  type TokenFields,
  type TrackedRun,
  validateOptions,
} from "@chainwatch/core";
import type { DocumentInterface } from "@langchain/core/documents";
import type { LLMResult } from "@langchain/core/outputs";
import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { contentText } from "./attributes.js";
import { modelEnd, modelStart } from "./model-spans.js";
import * as semconv from "./semconv.js";
import { endWithError, isAgentRoot } from "./spans.js";
import type { OpenTelemetryCallbackHandlerOptions, SpanSelection } from "./types.js";

const TRACER_NAME = "@chainwatch/otel-tracing";
const TRACER_VERSION = "0.1.0";

/**
 * Per run: its span (none when `spans: "genai"` drops it) and the context it started in. Its children's context
 * (`parentContext` with `span` set) is built when the first child asks: most runs are leaves.
 */
interface SpanState {
  span: Span | undefined;
  parentContext: Context;
  childContext: Context | undefined;
  /** Wall time the span started, in epoch milliseconds. */
  startedAt: number;
}

/** The context a run's children start in: its span's, or for a dropped run, the one it started in. */
function childContext(state: SpanState): Context {
  if (state.span === undefined) return state.parentContext;
  state.childContext ??= trace.setSpan(state.parentContext, state.span);
  return state.childContext;
}

const OPTION_SHAPE = handlerOptionShape({
  tracerProvider: true,
  tracer: true,
  spans: true,
  content: true,
  maxContentLength: true,
  cost: true,
});

/**
 * Traces every LangChain run as an OpenTelemetry span named and attributed by the GenAI semantic conventions:
 * `chat {model}` for model calls (kind CLIENT, with request parameters, response model and id, finish reasons,
 * token usage, time to first chunk and, with `cost`, the USD cost), `execute_tool {name}` for tools,
 * `invoke_agent {name}` at the root of a LangChain v1 agent or LangGraph graph, `retrieval {name}` for
 * retrievers, and a span per chain, prompt template and parser (dropped by `spans: "genai"`).
 *
 * A run tree is one trace: each run's span is the child of its parent run's span, and a root run joins the span
 * active in the caller's OpenTelemetry context (an HTTP server span, say). Failed runs end with status ERROR,
 * `error.type` and an exception event; a run that never ends (a stream the caller broke out of) has its span
 * ended when the run tracker evicts it. Content is recorded only with `content: true`.
 *
 * The handler asks LangChain to await it (`awaitHandlers`): its work is synchronous, and running in the caller's
 * context is what lets a root run find the caller's active span.
 *
 * @example
 * ```ts
 * import { OpenTelemetryCallbackHandler } from "@chainwatch/otel-tracing";
 *
 * const tracing = new OpenTelemetryCallbackHandler(); // the global tracer provider
 * await chain.invoke(input, { callbacks: [tracing] });
 * ```
 */
export class OpenTelemetryCallbackHandler extends ChainwatchCallbackHandler<SpanState> {
  name = "opentelemetry_tracing";

  private readonly tracer: Tracer;
  private readonly selection: SpanSelection;
  private readonly content: boolean;
  private readonly maxContentLength: number;
  private readonly cost: CostFunction | undefined;

  constructor(options: OpenTelemetryCallbackHandlerOptions = {}) {
    validateOptions("OpenTelemetryCallbackHandler", options, OPTION_SHAPE);
    // LangChain's flags (ignoreChain, …) pass through; awaiting is forced (see the class comment).
    super("opentelemetry_tracing", options, { ...options, _awaitHandler: true });
    const spans = options.spans ?? "all";
    if (spans !== "all" && spans !== "genai") {
      throw new TypeError(
        `OpenTelemetryCallbackHandler: spans must be "all" or "genai", got ${JSON.stringify(spans)}`,
      );
    }
    const max = options.maxContentLength ?? 8192;
    if (!Number.isInteger(max) || max <= 0) {
      throw new RangeError(
        `OpenTelemetryCallbackHandler: maxContentLength must be a positive integer, got ${String(max)}`,
      );
    }
    this.selection = spans;
    this.content = options.content === true;
    this.maxContentLength = max;
    this.cost = resolveCostSource(options.cost, "OpenTelemetryCallbackHandler");
    this.tracer =
      options.tracer ??
      (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME, TRACER_VERSION);
  }

  protected override createRunState(_runType: RunType): SpanState {
    return { span: undefined, parentContext: ROOT_CONTEXT, childContext: undefined, startedAt: 0 };
  }

  protected override onModelStart(run: TrackedRun<SpanState>, input: ModelStartInput): void {
    const { name, attributes } = modelStart(run, input, this.content ? this.maxContentLength : 0);
    this.open(run, name, SpanKind.CLIENT, attributes, true);
  }

  protected override onToken(
    run: TrackedRun<SpanState>,
    _token: string,
    _fields: TokenFields,
    firstContent: boolean,
  ): void {
    // The only per-token work: one branch, and one attribute on the first token that carries content.
    if (firstContent && run.firstTokenTime !== undefined) {
      run.state.span?.setAttribute(
        semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
        (run.firstTokenTime - run.startTime) / 1000,
      );
    }
  }

  protected override onModelEnd(run: TrackedRun<SpanState>, output: LLMResult): void {
    const span = run.state.span;
    if (span === undefined) return;
    if (span.isRecording()) {
      span.setAttributes(modelEnd(run, output, this.cost, this.content ? this.maxContentLength : 0));
    }
    span.end();
  }

  protected override onModelError(run: TrackedRun<SpanState>, error: unknown): void {
    if (run.state.span !== undefined) endWithError(run.state.span, error);
  }

  protected override onChainStart(run: TrackedRun<SpanState>, _inputs: unknown): void {
    const parent = run.parentRunId === undefined ? undefined : this.runs.get(run.parentRunId);
    if (isAgentRoot(run, parent)) {
      this.open(run, `${semconv.OPERATION.invokeAgent} ${run.name}`, SpanKind.INTERNAL, {
        [semconv.ATTR_GEN_AI_OPERATION_NAME]: semconv.OPERATION.invokeAgent,
        [semconv.ATTR_GEN_AI_AGENT_NAME]: run.name,
      });
    } else if (parent === undefined) {
      // The root of a tree is always kept, so that every span of the tree shares its trace.
      this.open(run, `${semconv.OPERATION.invokeWorkflow} ${run.name}`, SpanKind.INTERNAL, {
        [semconv.ATTR_GEN_AI_OPERATION_NAME]: semconv.OPERATION.invokeWorkflow,
        [semconv.ATTR_GEN_AI_WORKFLOW_NAME]: run.name,
        [semconv.ATTR_LANGCHAIN_RUN_TYPE]: run.runType,
      });
    } else {
      this.open(
        run,
        run.name,
        SpanKind.INTERNAL,
        { [semconv.ATTR_LANGCHAIN_RUN_TYPE]: run.runType },
        this.selection === "all",
      );
    }
  }

  protected override onChainEnd(run: TrackedRun<SpanState>, _outputs: unknown): void {
    run.state.span?.end();
  }

  protected override onChainError(run: TrackedRun<SpanState>, error: unknown): void {
    if (run.state.span !== undefined) endWithError(run.state.span, error);
  }

  protected override onToolStart(
    run: TrackedRun<SpanState>,
    input: string,
    toolCallId: string | undefined,
  ): void {
    const attributes: Attributes = {
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: semconv.OPERATION.executeTool,
      [semconv.ATTR_GEN_AI_TOOL_NAME]: run.name,
      [semconv.ATTR_GEN_AI_TOOL_TYPE]: "function",
    };
    if (toolCallId !== undefined) attributes[semconv.ATTR_GEN_AI_TOOL_CALL_ID] = toolCallId;
    if (this.content)
      attributes[semconv.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = contentText(input, this.maxContentLength);
    this.open(run, `${semconv.OPERATION.executeTool} ${run.name}`, SpanKind.INTERNAL, attributes);
  }

  protected override onToolEnd(run: TrackedRun<SpanState>, output: unknown): void {
    const span = run.state.span;
    if (span === undefined) return;
    if (this.content && span.isRecording()) {
      // A tool's output is usually a ToolMessage: its content is the result the model sees.
      const result =
        typeof output === "object" && output !== null && "content" in output
          ? (output as { content: unknown }).content
          : output;
      span.setAttribute(semconv.ATTR_GEN_AI_TOOL_CALL_RESULT, contentText(result, this.maxContentLength));
    }
    span.end();
  }

  protected override onToolError(run: TrackedRun<SpanState>, error: unknown): void {
    if (run.state.span !== undefined) endWithError(run.state.span, error);
  }

  protected override onRetrieverStart(run: TrackedRun<SpanState>, query: string): void {
    const attributes: Attributes = {
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: semconv.OPERATION.retrieval,
      [semconv.ATTR_LANGCHAIN_RUN_NAME]: run.name,
    };
    if (this.content)
      attributes[semconv.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT] = contentText(query, this.maxContentLength);
    this.open(run, `${semconv.OPERATION.retrieval} ${run.name}`, SpanKind.INTERNAL, attributes);
  }

  protected override onRetrieverEnd(
    run: TrackedRun<SpanState>,
    documents: readonly DocumentInterface[],
  ): void {
    const span = run.state.span;
    if (span === undefined) return;
    if (this.content && span.isRecording()) {
      const summary = documents.map((document) => ({
        id: document.id,
        content: document.pageContent,
      }));
      span.setAttribute(semconv.ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, contentText(summary, this.maxContentLength));
    }
    span.end();
  }

  protected override onRetrieverError(run: TrackedRun<SpanState>, error: unknown): void {
    if (run.state.span !== undefined) endWithError(run.state.span, error);
  }

  /** A run that never ended (a stream the caller broke out of): its span ends at its last activity. */
  protected override onRunEvicted(run: TrackedRun<SpanState>, reason: EvictionReason): void {
    const span = run.state.span;
    if (span === undefined) return;
    span.setAttribute(semconv.ATTR_LANGCHAIN_RUN_EVICTED, reason);
    // The tracker's clock may be the user's: the wall-clock end is the span's start plus the run's active time.
    span.end(run.state.startedAt + (run.lastSeen - run.startTime));
    // Its end or error may still arrive (a slow call): the span is closed, so those hooks find none.
    run.state.span = undefined;
  }

  /**
   * Starts the run's span as a child of its parent run's span, or, for a root run, of the span active in the
   * caller's context. A run whose span is dropped hands its parent's context on to its children.
   */
  private open(
    run: TrackedRun<SpanState>,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    keep = true,
  ): void {
    const parent = run.parentRunId === undefined ? undefined : this.runs.get(run.parentRunId);
    const parentContext = parent === undefined ? context.active() : childContext(parent.state);
    run.state.parentContext = parentContext;
    if (!keep) return;
    run.state.span = this.tracer.startSpan(name, { kind, attributes }, parentContext);
    run.state.startedAt = Date.now();
  }
}
