import {
  ChainwatchCallbackHandler,
  carriesContent,
  extractUsage,
  type RunType,
  responseModel,
  type TrackedRun,
} from "@chainwatch/core";
import { register as globalRegister } from "prom-client";
import { errorType } from "./error-type.js";
import { assertLabelName, labelNameFor, metadataValue } from "./labels.js";
import { assertPrefix, type MetricSet, MODEL_LABELS, resolveMetricSet } from "./metrics.js";
import { type ModelSeries, modelSeries, namedLabels, type RunSeries, runSeries } from "./series.js";
import type { PrometheusCallbackHandlerOptions } from "./types.js";

/** What the handler keeps per run: the extra label values and the in-flight child it incremented. */
interface RunState {
  /** Static then metadata label values, fixed at start. */
  extra: readonly string[];
  /** `extra` joined, for cache keys. */
  extraKey: string;
  /** Operation name for LLM runs (`chat`, `text_completion`). */
  operation: string;
  /** The in-flight gauge child this run incremented (decremented once, on end, error or eviction), and its outcomes. */
  series: RunSeries;
}

const BUILT_IN_LABELS = new Set<string>([
  ...MODEL_LABELS,
  "error_type",
  "gen_ai_token_type",
  "gen_ai_tool_name",
  "run_type",
  "status",
  "chain_name",
  "retriever_name",
  "method",
]);

const SEP = "\u0000";

function seconds(from: number, to: number): number {
  const value = (to - from) / 1000;
  return Math.max(value, 0);
}

/**
 * Exports OpenTelemetry GenAI metrics (operation duration, token usage, time to first chunk, tool duration) and
 * LangChain run metrics to a prom-client registry, with every free-form label capped.
 *
 * @example
 * ```ts
 * import { PrometheusCallbackHandler, startMetricsServer } from "@chainwatch/prometheus-metrics";
 * const metrics = new PrometheusCallbackHandler();
 * const server = await startMetricsServer(); // http://127.0.0.1:9464/metrics
 * await model.invoke("Hello", { callbacks: [metrics] });
 * ```
 */
export class PrometheusCallbackHandler extends ChainwatchCallbackHandler<RunState> {
  name = "prometheus_metrics";
  /** The metrics this handler writes (shared with every handler on the same registry). */
  readonly metrics: MetricSet;
  private readonly staticValues: readonly string[];
  private readonly metadataKeys: readonly string[];
  /** Extra label values and key for runs when there are no metadata labels (the common case). */
  private readonly fixedExtra: readonly string[];
  private readonly fixedExtraKey: string;

  constructor(options: PrometheusCallbackHandlerOptions = {}) {
    super("prometheus_metrics", options);
    const prefix = options.prefix ?? "langchain_";
    assertPrefix(prefix);
    const staticLabels = options.labels ?? {};
    const staticNames = Object.keys(staticLabels);
    const metadataKeys = [...(options.metadataLabels ?? [])];
    const metadataNames = metadataKeys.map(labelNameFor);
    const seen = new Set<string>();
    for (const [where, names] of [
      ["labels key", staticNames],
      ["metadataLabels entry", metadataNames],
    ] as const) {
      for (const name of names) {
        assertLabelName(name, where);
        if (BUILT_IN_LABELS.has(name) || seen.has(name)) {
          throw new TypeError(
            `PrometheusCallbackHandler: label ${JSON.stringify(name)} (${where}) clashes with a built-in or another extra label`,
          );
        }
        seen.add(name);
      }
    }
    for (const name of staticNames) {
      if (typeof staticLabels[name] !== "string") {
        throw new TypeError(
          `PrometheusCallbackHandler: labels.${name} must be a string, got ${typeof staticLabels[name]}`,
        );
      }
    }
    this.staticValues = staticNames.map((name) => staticLabels[name] as string);
    this.metadataKeys = metadataKeys;
    this.fixedExtra = Object.freeze([...this.staticValues, ...metadataKeys.map(() => "")]);
    this.fixedExtraKey = this.fixedExtra.join(SEP);
    this.metrics = resolveMetricSet({
      registry: options.registry ?? globalRegister,
      prefix,
      buckets: options.buckets,
      extraLabelNames: [...staticNames, ...metadataNames],
      staticLabelNames: staticNames,
      metadataLabelNames: metadataNames,
      limits: options.maxLabelValues,
    });
    this.metrics.sweepables.add(new WeakRef(this));
    this.countHandlerErrors(staticNames);
  }

  /** Evicts this handler's runs idle past the TTL (called at scrape time). */
  sweepIdleRuns(): void {
    try {
      this.runs.sweep();
    } catch (error) {
      this.guard.report("sweep", error);
    }
  }

  override handleLLMStart(
    llm: unknown,
    _prompts: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startLLM("text_completion", llm, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleChatModelStart(
    llm: unknown,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startLLM("chat", llm, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  /** Only the first token that carries content or a tool-call delta matters; later tokens cost one lookup. */
  override handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: unknown,
  ): void {
    const run = this.runs.get(runId);
    if (run === undefined || run.firstTokenTime !== undefined) return;
    if (carriesContent(token, fields)) this.runs.markFirstToken(run);
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const end = this.runs.time();
    run.state.series.inFlight.dec();
    const series = this.modelSeries(run, responseModel(output));
    series.duration.observe(seconds(run.startTime, end));
    if (run.firstTokenTime !== undefined)
      series.timeToFirstChunk.observe(seconds(run.startTime, run.firstTokenTime));
    run.state.series.ok.inc();
    const usage = extractUsage(output);
    if (usage === undefined) return;
    if (usage.inputTokens !== undefined) {
      series.inputUsage.observe(usage.inputTokens);
      series.inputTokens.inc(usage.inputTokens);
    }
    if (usage.outputTokens !== undefined) {
      series.outputUsage.observe(usage.outputTokens);
      series.outputTokens.inc(usage.outputTokens);
    }
    if (usage.cacheReadTokens !== undefined) series.cacheReadTokens.inc(usage.cacheReadTokens);
    if (usage.cacheWriteTokens !== undefined) series.cacheWriteTokens.inc(usage.cacheWriteTokens);
    if (usage.reasoningTokens !== undefined) series.reasoningTokens.inc(usage.reasoningTokens);
  }

  override handleLLMError(error: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const end = this.runs.time();
    run.state.series.inFlight.dec();
    const series = this.modelSeries(run, undefined);
    series.failed(errorType(error)).observe(seconds(run.startTime, end));
    if (run.firstTokenTime !== undefined)
      series.timeToFirstChunk.observe(seconds(run.startTime, run.firstTokenTime));
    run.state.series.error.inc();
  }

  override handleChainStart(
    chain: unknown,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void {
    const type = runType === "prompt" ? "prompt" : "chain";
    this.begin(type, runId, metadata, (state) =>
      this.trackStart(type, chain, runId, parentRunId, tags, metadata, runName, state),
    );
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.finish(runId, undefined);
  }

  override handleChainError(error: unknown, runId: string): void {
    this.finish(runId, error);
  }

  override handleToolStart(
    tool: unknown,
    _input: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.begin("tool", runId, metadata, (state) =>
      this.trackStart("tool", tool, runId, parentRunId, tags, metadata, runName, state),
    );
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.finish(runId, undefined);
  }

  override handleToolError(error: unknown, runId: string): void {
    this.finish(runId, error);
  }

  override handleRetrieverStart(
    retriever: unknown,
    _query: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.begin("retriever", runId, metadata, (state) =>
      this.trackStart("retriever", retriever, runId, parentRunId, tags, metadata, name, state),
    );
  }

  override handleRetrieverEnd(_documents: unknown, runId: string): void {
    this.finish(runId, undefined);
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    this.finish(runId, error);
  }

  /** An abandoned run (a stream the consumer broke out of) leaves the in-flight gauge and counts as abandoned. */
  protected override onRunEvicted(run: TrackedRun<RunState>): void {
    run.state.series.inFlight.dec();
    run.state.series.abandoned.inc();
  }

  private startLLM(
    operation: string,
    llm: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: string[] | undefined,
    metadata: Record<string, unknown> | undefined,
    runName: string | undefined,
  ): void {
    this.begin(
      "llm",
      runId,
      metadata,
      (state) => this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, state),
      operation,
    );
  }

  /** Starts tracking a run and raises the in-flight gauge; a repeated start of a live run id replaces it. */
  private begin(
    runType: RunType,
    runId: string,
    metadata: Record<string, unknown> | undefined,
    track: (state: RunState) => unknown,
    operation = "",
  ): void {
    const previous = this.runs.end(runId);
    if (previous !== undefined) previous.state.series.inFlight.dec();
    let extra = this.fixedExtra;
    let extraKey = this.fixedExtraKey;
    if (this.metadataKeys.length > 0) {
      const values = [...this.staticValues];
      for (const [index, key] of this.metadataKeys.entries()) {
        const cap = this.metrics.caps.metadata[index];
        values.push(cap ? cap.admit(metadataValue(metadata?.[key])) : "");
      }
      extra = values;
      extraKey = values.join(SEP);
    }
    const series = runSeries(this.metrics, runType, extra, extraKey);
    track({ extra, extraKey, operation, series });
    series.inFlight.inc();
  }

  private finish(runId: string, error: unknown): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const duration = seconds(run.startTime, this.runs.time());
    const { state } = run;
    state.series.inFlight.dec();
    const failed = error !== undefined;
    (failed ? state.series.error : state.series.ok).inc();
    const errorLabel = failed ? errorType(error) : "";
    const { metrics } = this;
    if (run.runType === "tool") {
      const tool = metrics.caps.tool.admit(run.name);
      const labels = namedLabels(metrics, "gen_ai_tool_name", tool, errorLabel, state.extra, state.extraKey);
      metrics.toolDuration.observe(labels, duration);
    } else if (run.runType === "retriever") {
      const name = metrics.caps.retriever.admit(run.name);
      const labels = namedLabels(metrics, "retriever_name", name, errorLabel, state.extra, state.extraKey);
      metrics.retrieverDuration.observe(labels, duration);
    } else {
      const name = metrics.caps.chain.admit(run.name);
      const labels = namedLabels(metrics, "chain_name", name, errorLabel, state.extra, state.extraKey);
      metrics.chainDuration.observe(labels, duration);
    }
  }

  private modelSeries(run: TrackedRun<RunState>, response: string | undefined): ModelSeries {
    const { caps } = this.metrics;
    return modelSeries(
      this.metrics,
      run.state.operation,
      caps.provider.admit(run.provider),
      caps.requestModel.admit(run.model),
      caps.responseModel.admit(response),
      run.state.extra,
      run.state.extraKey,
    );
  }

  /** Counts every failure the guard catches (it reports only the first per method). */
  private countHandlerErrors(staticNames: readonly string[]): void {
    const { guard, metrics } = this;
    const report = guard.report.bind(guard);
    const staticLabels: Record<string, string> = {};
    for (const [index, name] of staticNames.entries()) staticLabels[name] = this.staticValues[index] ?? "";
    guard.report = (method: string, error: unknown) => {
      try {
        metrics.handlerErrors.inc({ ...staticLabels, method });
      } catch {
        // The registry itself may be what failed; the report below still goes out.
      }
      report(method, error);
    };
  }
}
