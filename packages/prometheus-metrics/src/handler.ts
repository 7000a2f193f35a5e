import {
  ChainwatchCallbackHandler,
  type CostFunction,
  carriesContent,
  chainRunType,
  extractUsage,
  type RunType,
  resolveCostSource,
  responseModel,
  type TrackedRun,
} from "@chainwatch/core";
import { register as globalRegister } from "prom-client";
import { errorType } from "./error-type.js";
import { addSweepable, countGuardFailures } from "./export.js";
import { metadataValue } from "./labels.js";
import {
  assertPrefix,
  type MetricSet,
  type ModelSeries,
  type PrometheusMetrics,
  type RunSeries,
  resolveMetricSet,
} from "./metrics.js";
import { extraLabels } from "./options.js";
import { modelSeries, recordUsage, runObserver, runSeries } from "./series.js";
import type { PrometheusCallbackHandlerOptions } from "./types.js";

/** What the handler keeps per run. */
interface RunState {
  /** Static then metadata label values, fixed at start. */
  extra: readonly string[];
  /** `extra` joined, for cache keys. */
  extraKey: string;
  /** Operation name of LLM runs (`chat`, `text_completion`). */
  operation: string;
  /** In-flight and outcome counts of the run's type and labels. */
  series: RunSeries;
}

const SEP = "\u0000";

function seconds(from: number, to: number): number {
  return Math.max((to - from) / 1000, 0);
}

/**
 * Exports OpenTelemetry GenAI metrics (operation duration, token usage, time to first chunk, tool duration) and
 * LangChain run metrics to a prom-client registry, with every free-form label capped. Handlers on the same
 * registry share one set of metrics.
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
  /** The metrics and state shared with every handler on the same registry. */
  private readonly set: MetricSet;
  private readonly staticValues: readonly string[];
  private readonly metadataKeys: readonly string[];
  /** Extra label values and key when there are no metadata labels (the common case): no per-run work. */
  private readonly fixedExtra: readonly string[];
  private readonly fixedExtraKey: string;
  private readonly cost: CostFunction | undefined;

  constructor(options: PrometheusCallbackHandlerOptions = {}) {
    super("prometheus_metrics", options);
    this.cost = resolveCostSource(options.cost, "PrometheusCallbackHandler");
    const prefix = options.prefix ?? "langchain_";
    assertPrefix(prefix);
    const extra = extraLabels(options);
    this.staticValues = extra.staticValues;
    this.metadataKeys = extra.metadataKeys;
    this.fixedExtra = Object.freeze([...extra.staticValues, ...extra.metadataKeys.map(() => "")]);
    this.fixedExtraKey = this.fixedExtra.join(SEP);
    this.set = resolveMetricSet({
      registry: options.registry ?? globalRegister,
      prefix,
      buckets: options.buckets,
      extraLabelNames: [...extra.staticNames, ...extra.metadataNames],
      staticLabelNames: extra.staticNames,
      metadataLabelNames: extra.metadataNames,
      limits: options.maxLabelValues,
    });
    addSweepable(this.set, this);
    // Count every failure the guard catches (it reports only the first per method).
    const staticLabels = Object.fromEntries(
      extra.staticNames.map((name, i) => [name, extra.staticValues[i] ?? ""]),
    );
    countGuardFailures(this.guard, this.set.handlerErrors, staticLabels);
  }

  /** The prom-client metrics this handler writes (shared with every handler on the same registry). */
  get metrics(): PrometheusMetrics {
    return this.set;
  }

  /** Evicts this handler's runs idle past the TTL. Called by the registry's shared state at scrape time. */
  sweepIdleRuns(): void {
    try {
      this.runs.sweep();
    } catch (error) {
      this.guard.report("sweep", error);
    }
  }

  /** Adds this handler's runs to their series' in-flight counts (at scrape time, after the sweep). */
  countRunsInFlight(): void {
    for (const run of this.runs.values()) run.state.series.inFlight++;
  }

  /** Reports a failure seen at scrape time, through this handler's guard. */
  reportFailure(method: string, error: unknown): void {
    this.guard.report(method, error);
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
    this.begin("llm", metadata, "text_completion", (state) =>
      this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, state),
    );
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
    this.begin("llm", metadata, "chat", (state) =>
      this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, state),
    );
  }

  /** Only the first token carrying content or a tool-call delta matters; later tokens cost one lookup. */
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
    run.state.series.ok++;
    const series = this.modelSeries(run, responseModel(output));
    series.duration.observe(seconds(run.startTime, end));
    if (run.firstTokenTime !== undefined) {
      series.timeToFirstChunk.observe(seconds(run.startTime, run.firstTokenTime));
    }
    recordUsage(series, extractUsage(output));
    if (this.cost !== undefined) this.addCost(series, output, run);
  }

  override handleLLMError(error: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const end = this.runs.time();
    run.state.series.error++;
    const series = this.modelSeries(run, undefined);
    series.failed(errorType(error)).observe(seconds(run.startTime, end));
    if (run.firstTokenTime !== undefined) {
      series.timeToFirstChunk.observe(seconds(run.startTime, run.firstTokenTime));
    }
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
    const type = chainRunType(runType);
    this.begin(type, metadata, "", (state) =>
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
    this.begin("tool", metadata, "", (state) =>
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
    this.begin("retriever", metadata, "", (state) =>
      this.trackStart("retriever", retriever, runId, parentRunId, tags, metadata, name, state),
    );
  }

  override handleRetrieverEnd(_documents: unknown, runId: string): void {
    this.finish(runId, undefined);
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    this.finish(runId, error);
  }

  /** A run that never ended (a stream the consumer broke out of) counts as abandoned. */
  protected override onRunEvicted(run: TrackedRun<RunState>): void {
    run.state.series.abandoned++;
  }

  /** Starts tracking a run (a repeated start of a live run id replaces it). */
  private begin(
    runType: RunType,
    metadata: Record<string, unknown> | undefined,
    operation: string,
    track: (state: RunState) => unknown,
  ): void {
    let extra = this.fixedExtra;
    let extraKey = this.fixedExtraKey;
    if (this.metadataKeys.length > 0) {
      const values = [...this.staticValues];
      for (const [index, key] of this.metadataKeys.entries()) {
        const cap = this.set.caps.metadata[index];
        values.push(cap ? cap.admit(metadataValue(metadata?.[key])) : "");
      }
      extra = values;
      extraKey = values.join(SEP);
    }
    track({ extra, extraKey, operation, series: runSeries(this.set, runType, extra, extraKey) });
  }

  /** Ends a chain, prompt, tool or retriever run. */
  private finish(runId: string, error: unknown): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const duration = seconds(run.startTime, this.runs.time());
    const { state } = run;
    const failed = error !== undefined;
    if (failed) state.series.error++;
    else state.series.ok++;
    const errorLabel = failed ? errorType(error) : "";
    runObserver(this.set, run.runType, run.name, errorLabel, state.extra, state.extraKey).observe(duration);
  }

  /** Adds the call's cost to its series; a throwing cost source is reported and the call's other metrics stay. */
  private addCost(series: ModelSeries, output: unknown, run: TrackedRun<RunState>): void {
    let usd: number | undefined;
    try {
      usd = this.cost?.(output, { model: run.model, provider: run.provider });
    } catch (error) {
      this.guard.report("cost", error);
      return;
    }
    if (usd !== undefined) series.costUsd += usd;
  }

  private modelSeries(run: TrackedRun<RunState>, response: string | undefined) {
    const { caps } = this.set;
    return modelSeries(
      this.set,
      run.state.operation,
      caps.provider.admit(run.provider),
      caps.requestModel.admit(run.model),
      caps.responseModel.admit(response),
      run.state.extra,
      run.state.extraKey,
    );
  }
}
