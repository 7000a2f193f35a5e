import {
  ChainwatchCallbackHandler,
  handlerOptionShape,
  type RunType,
  type TrackedRun,
  validateOptions,
} from "@chainwatch/core";
import type { LLMResult } from "@langchain/core/outputs";
import { register as globalRegister } from "prom-client";
import { budgetScopeLabel, isBudgetSource, watchBudget } from "./budget-metrics.js";
import { callCost } from "./cost.js";
import { addSweepable, countGuardFailures } from "./export.js";
import { metadataValue } from "./labels.js";
import { assertPrefix, type MetricSet, type PrometheusMetrics, resolveMetricSet } from "./metrics.js";
import { extraLabels } from "./options.js";
import {
  type CallCostFunction,
  type RunState,
  recordModelEnd,
  recordModelError,
  recordRunEnd,
} from "./record.js";
import { runSeries } from "./series.js";
import type { PrometheusCallbackHandlerOptions } from "./types.js";

type Run = TrackedRun<RunState>;

const SEP = "\u0000";

/** The option keys {@link PrometheusCallbackHandler} knows (unknown ones throw, nested too). */
const OPTION_SHAPE = handlerOptionShape({
  registry: true,
  prefix: true,
  buckets: {
    operationDuration: true,
    timeToFirstChunk: true,
    tokenUsage: true,
    toolDuration: true,
    chainDuration: true,
    retrieverDuration: true,
  },
  labels: true,
  metadataLabels: true,
  maxLabelValues: {
    models: true,
    providers: true,
    tools: true,
    chains: true,
    metadata: true,
    budgetScopes: true,
  },
  cost: true,
  budgetScopeLabel: true,
});

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
  /** Records no content (prompts, outputs, tokens): `withRedaction` (`@chainwatch/pii-redact`) passes it none to redact. */
  readonly recordedContent = { content: "none" } as const;
  /** The metrics and state shared with every handler on the same registry. */
  private readonly set: MetricSet;
  private readonly staticValues: readonly string[];
  private readonly metadataKeys: readonly string[];
  /** Extra label values and key when there are no metadata labels (the common case): no per-run work. */
  private readonly fixedExtra: readonly string[];
  private readonly fixedExtraKey: string;
  private readonly cost: CallCostFunction | undefined;

  constructor(options: PrometheusCallbackHandlerOptions = {}) {
    validateOptions("PrometheusCallbackHandler", options, OPTION_SHAPE);
    // LangChain's own handler options (`ignoreChain`, …) are accepted in the same object and go to LangChain.
    super("prometheus_metrics", options, options);
    this.cost = callCost(options.cost, "PrometheusCallbackHandler");
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
    // A cost source with a budget (TokenCostCallbackHandler) tells of its decisions: exported next to the cost.
    const scopeLabel = budgetScopeLabel(options.budgetScopeLabel, options.maxLabelValues?.budgetScopes);
    if (isBudgetSource(options.cost)) {
      watchBudget(options.cost, {
        registry: options.registry ?? globalRegister,
        prefix,
        staticNames: extra.staticNames,
        staticValues: extra.staticValues,
        scopeLabel,
        labelOverflows: this.set.labelOverflows,
        onError: (error) => this.guard.report("onBudgetDecision", error),
      });
    }
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

  /** Every run starts with the static labels' series; metadata labels, if any, are read at its start hook. */
  protected override createRunState(runType: RunType): RunState {
    return {
      extra: this.fixedExtra,
      extraKey: this.fixedExtraKey,
      operation: "",
      series: runSeries(this.set, runType, this.fixedExtra, this.fixedExtraKey),
    };
  }

  protected override onModelStart(run: Run, input: { kind: "chat" | "text" }): void {
    run.state.operation = input.kind === "chat" ? "chat" : "text_completion";
    if (this.metadataKeys.length > 0) this.labelFromMetadata(run);
  }

  /**
   * Time to first chunk needs the first token carrying content, which the base class marks before this hook;
   * overriding it is what makes LangChain deliver tokens at all. Every later token costs LangChain's dispatch,
   * one run lookup and a content check (see BENCHMARKS.md), and nothing here.
   */
  protected override onToken(): void {}

  protected override onModelEnd(run: Run, output: LLMResult): void {
    recordModelEnd(this.set, run, output, this.runs.time(), this.cost, this.guard);
  }

  protected override onModelError(run: Run, error: unknown): void {
    recordModelError(this.set, run, error, this.runs.time());
  }

  protected override onChainStart(run: Run): void {
    if (this.metadataKeys.length > 0) this.labelFromMetadata(run);
  }

  protected override onChainEnd(run: Run): void {
    recordRunEnd(this.set, run, undefined, this.runs.time());
  }

  protected override onChainError(run: Run, error: unknown): void {
    recordRunEnd(this.set, run, error, this.runs.time());
  }

  protected override onToolStart(run: Run): void {
    if (this.metadataKeys.length > 0) this.labelFromMetadata(run);
  }

  protected override onToolEnd(run: Run): void {
    recordRunEnd(this.set, run, undefined, this.runs.time());
  }

  protected override onToolError(run: Run, error: unknown): void {
    recordRunEnd(this.set, run, error, this.runs.time());
  }

  protected override onRetrieverStart(run: Run): void {
    if (this.metadataKeys.length > 0) this.labelFromMetadata(run);
  }

  protected override onRetrieverEnd(run: Run): void {
    recordRunEnd(this.set, run, undefined, this.runs.time());
  }

  protected override onRetrieverError(run: Run, error: unknown): void {
    recordRunEnd(this.set, run, error, this.runs.time());
  }

  /** A run that never ended (a stream the consumer broke out of) counts as abandoned. */
  protected override onRunEvicted(run: Run): void {
    run.state.series.abandoned++;
  }

  /** Sets the run's metadata label values (capped) and the series they select. */
  private labelFromMetadata(run: Run): void {
    const values = [...this.staticValues];
    for (const [index, key] of this.metadataKeys.entries()) {
      const cap = this.set.caps.metadata[index];
      values.push(cap ? cap.admit(metadataValue(run.metadata?.[key])) : "");
    }
    const { state } = run;
    state.extra = values;
    state.extraKey = values.join(SEP);
    state.series = runSeries(this.set, run.runType, state.extra, state.extraKey);
  }
}
