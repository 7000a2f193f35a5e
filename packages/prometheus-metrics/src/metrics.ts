import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { resolveBuckets } from "./buckets.js";
import { scrapeExporter } from "./export.js";
import { LabelValueCap } from "./labels.js";
import type { LabelValueLimits, PrometheusBuckets } from "./types.js";

/** Labels of the model-call metrics, in order. */
export const MODEL_LABELS = [
  "gen_ai_operation_name",
  "gen_ai_provider_name",
  "gen_ai_request_model",
  "gen_ai_response_model",
] as const;

const DEFAULT_LIMITS: Required<LabelValueLimits> = {
  models: 100,
  providers: 30,
  tools: 100,
  chains: 100,
  metadata: 100,
  budgetScopes: 100,
};

/** The per-registry caps on free-form label values, shared by every handler on the registry. */
export interface LabelCaps {
  requestModel: LabelValueCap;
  responseModel: LabelValueCap;
  provider: LabelValueCap;
  tool: LabelValueCap;
  chain: LabelValueCap;
  retriever: LabelValueCap;
  /** One per metadata label, in `metadataLabels` order. */
  metadata: LabelValueCap[];
}

/** A handler as the shared state sees it: its idle runs can be evicted, and it can report a failure. */
export interface Sweepable {
  sweepIdleRuns(): void;
  countRunsInFlight(): void;
  reportFailure(method: string, error: unknown): void;
}

/** Token counts of one model series not yet added to the counters (they are added at scrape time). */
export interface PendingTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

/** The children one model series writes to: label values resolved once per (operation, provider, models, extra). */
export interface ModelSeries {
  /** Labels of the token counters (the model labels plus extra labels). */
  readonly labels: Readonly<Record<string, string>>;
  readonly duration: Observer;
  readonly timeToFirstChunk: Observer;
  readonly inputUsage: Observer;
  readonly outputUsage: Observer;
  readonly tokens: PendingTokens;
  /** USD of the series' calls not yet added to the cost counter. */
  costUsd: number;
  /** The estimated part of `costUsd`, not yet added to the estimated-cost counter. */
  costEstimatedUsd: number;
  /** The duration child for a failed call of this series, by `error_type` (a bounded set). */
  failed(errorType: string): Observer;
}

/**
 * One (run type, extra labels) pair: outcomes not yet exported (plain numbers on the hot path), and the runs in
 * flight, counted at scrape time from the live handlers' run trackers. Counting at scrape time keeps the hot
 * path free and stays right when a handler holding abandoned runs is garbage-collected.
 */
export interface RunSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly outcomeLabels: Readonly<Record<"ok" | "error" | "abandoned", Record<string, string>>>;
  /** Runs in flight at the last scrape. */
  inFlight: number;
  ok: number;
  error: number;
  abandoned: number;
}

/** A histogram child: labels already bound. */
export interface Observer {
  observe(value: number): void;
}

/** The prom-client metrics a handler writes, shared by every handler on the same registry. */
export interface PrometheusMetrics {
  readonly operationDuration: Histogram<string>;
  readonly timeToFirstChunk: Histogram<string>;
  readonly tokenUsage: Histogram<string>;
  readonly inputTokens: Counter<string>;
  readonly outputTokens: Counter<string>;
  readonly cacheReadTokens: Counter<string>;
  readonly cacheWriteTokens: Counter<string>;
  readonly reasoningTokens: Counter<string>;
  /** USD of LLM calls, from the handler's `cost` source. */
  readonly costUsd: Counter<string>;
  /** The part of `costUsd` that is a tokenizer estimate (calls the provider reported no usage for). */
  readonly costEstimatedUsd: Counter<string>;
  readonly toolDuration: Histogram<string>;
  readonly runs: Counter<string>;
  readonly chainDuration: Histogram<string>;
  readonly retrieverDuration: Histogram<string>;
  readonly inFlight: Gauge<string>;
  readonly handlerErrors: Counter<string>;
  /** Label values replaced by `_OTHER` because their cap was reached, by label. */
  readonly labelOverflows: Counter<string>;
}

/** One registry's metrics and the state every handler on it shares. */
export interface MetricSet extends PrometheusMetrics {
  readonly caps: LabelCaps;
  /** Static then metadata label names, appended to every run metric's labels. */
  readonly extraLabelNames: readonly string[];
  /** Handlers to sweep at scrape time, so abandoned streams leave the in-flight gauge even when idle. */
  readonly sweepables: Set<WeakRef<Sweepable>>;
  /** Model series by label values (bounded by the caps; see `series.ts`). */
  readonly modelSeries: Map<string, ModelSeries>;
  /** Run series by label values. */
  readonly runSeries: Map<string, RunSeries>;
  /** Observers of the tool, chain and retriever histograms, by label values. */
  readonly namedObservers: Map<string, Observer>;
  /** Buffered histogram observers holding observations not yet handed to prom-client. */
  readonly pendingObservers: Set<{ flush(): void }>;
}

/** What {@link resolveMetricSet} needs to know. */
export interface MetricSetConfig {
  registry: Registry;
  prefix: string;
  buckets: PrometheusBuckets | undefined;
  /** Static label names then metadata label names: appended to every run metric's labels. */
  extraLabelNames: readonly string[];
  /** Static label names: appended to the handler-error counter's labels. */
  staticLabelNames: readonly string[];
  metadataLabelNames: readonly string[];
  limits: LabelValueLimits | undefined;
}

/**
 * Where the shared state lives: on the in-flight gauge, under a global symbol, so handlers from two copies of
 * this package (ESM and CJS builds) on one registry still share caps and sweeping.
 */
const SHARED = Symbol.for("chainwatch.prometheus-metrics.shared");

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `maxLabelValues[name]`, or its default; throws a RangeError naming a value that is not a positive integer. */
export function validLimit(name: keyof LabelValueLimits, value: number | undefined): number {
  if (value === undefined) return DEFAULT_LIMITS[name];
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `PrometheusCallbackHandler: maxLabelValues.${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

/** Throws unless `prefix` makes valid metric names. */
export function assertPrefix(prefix: string): void {
  if (typeof prefix !== "string" || (prefix !== "" && !METRIC_NAME.test(prefix))) {
    throw new TypeError(
      `PrometheusCallbackHandler: prefix ${JSON.stringify(prefix)} is not a valid metric name prefix (want [a-zA-Z_:][a-zA-Z0-9_:]*)`,
    );
  }
}

interface MetricShape {
  type?: unknown;
  labelNames?: unknown;
  upperBounds?: unknown;
}

function sameList(a: unknown, b: readonly (string | number)[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((value, i) => value === b[i]);
}

type MetricType = "counter" | "gauge" | "histogram";

/** A metric to find or make on a registry. */
export interface Spec {
  type: MetricType;
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets?: number[];
  collect?: () => void;
}

/**
 * The metric named in `spec` on `registry`: the one already registered (by another handler, or by the app)
 * when its type, label names and buckets match, else a new one. A mismatch throws with both shapes named,
 * instead of prom-client's bare "already registered".
 */
export function getOrCreate(registry: Registry, spec: Spec): unknown {
  const existing = registry.getSingleMetric(spec.name) as MetricShape | undefined;
  if (existing) {
    const problems: string[] = [];
    if (existing.type !== spec.type) problems.push(`type ${String(existing.type)} (want ${spec.type})`);
    if (!sameList(existing.labelNames, spec.labelNames)) {
      problems.push(`labels [${String(existing.labelNames)}] (want [${spec.labelNames.join(",")}])`);
    }
    if (spec.buckets && !sameList(existing.upperBounds, spec.buckets)) {
      problems.push(`buckets [${String(existing.upperBounds)}] (want [${spec.buckets.join(",")}])`);
    }
    if (problems.length > 0) {
      throw new TypeError(
        `PrometheusCallbackHandler: metric ${spec.name} is already registered on this registry with ${problems.join(", ")}; handlers sharing a registry need the same prefix, buckets, labels and metadataLabels`,
      );
    }
    return existing;
  }
  const config = {
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
    ...(spec.collect ? { collect: spec.collect } : {}),
  };
  if (spec.type === "histogram") return new Histogram({ ...config, buckets: spec.buckets ?? [] });
  if (spec.type === "counter") return new Counter(config);
  return new Gauge(config);
}

/**
 * The metric set for a handler: created on first use of a registry, shared afterwards. Validates the buckets
 * and limits (throwing with the bad value) before touching the registry.
 */
export function resolveMetricSet(config: MetricSetConfig): MetricSet {
  const { registry, prefix, extraLabelNames } = config;
  const buckets = resolveBuckets(config.buckets);
  const limits = config.limits ?? {};
  const models = validLimit("models", limits.models);
  const providers = validLimit("providers", limits.providers);
  const tools = validLimit("tools", limits.tools);
  const chains = validLimit("chains", limits.chains);
  const metadata = validLimit("metadata", limits.metadata);

  // The hot path counts in plain numbers and buffers histogram observations; every metric's collect()
  // (run by prom-client at scrape time) hands what is pending to prom-client first. The holder is filled once
  // the set exists.
  const holder: { set?: MetricSet } = {};
  const collect = scrapeExporter(holder);
  const inFlight = getOrCreate(registry, {
    type: "gauge",
    name: `${prefix}runs_in_flight`,
    help: "LangChain runs started and not yet ended (abandoned streams leave once idle past the run TTL)",
    labelNames: ["run_type", ...extraLabelNames],
    collect,
  }) as Gauge<string> & { [SHARED]?: MetricSet };
  const shared = inFlight[SHARED];

  const model = (extra: readonly string[]) => [...MODEL_LABELS, ...extra, ...extraLabelNames];
  const histogram = (name: string, help: string, labelNames: readonly string[], buckets: number[]) =>
    getOrCreate(registry, {
      type: "histogram",
      name,
      help,
      labelNames,
      buckets,
      collect,
    }) as Histogram<string>;
  const counter = (name: string, help: string, labelNames: readonly string[]) =>
    getOrCreate(registry, { type: "counter", name, help, labelNames, collect }) as Counter<string>;
  const tokens = (kind: string) =>
    counter(
      `${prefix}${kind}_tokens_total`,
      `${kind.replace("_", " ")} tokens reported by LLM calls (from usage_metadata)`,
      model([]),
    );

  const set: MetricSet = {
    operationDuration: histogram(
      "gen_ai_client_operation_duration_seconds",
      "GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration)",
      model(["error_type"]),
      buckets.operationDuration,
    ),
    timeToFirstChunk: histogram(
      "gen_ai_client_operation_time_to_first_chunk_seconds",
      "Time to the first chunk carrying content or a tool-call delta, streaming calls only (gen_ai.client.operation.time_to_first_chunk)",
      model([]),
      buckets.timeToFirstChunk,
    ),
    tokenUsage: histogram(
      "gen_ai_client_token_usage",
      "Number of input and output tokens used per call (gen_ai.client.token.usage)",
      model(["gen_ai_token_type"]),
      buckets.tokenUsage,
    ),
    inputTokens: tokens("input"),
    outputTokens: tokens("output"),
    cacheReadTokens: tokens("cache_read"),
    cacheWriteTokens: tokens("cache_write"),
    reasoningTokens: tokens("reasoning"),
    costUsd: counter(
      `${prefix}cost_usd_total`,
      "USD cost of LLM calls, from the handler's cost source (e.g. @chainwatch/token-cost); unpriced calls add nothing",
      model([]),
    ),
    costEstimatedUsd: counter(
      `${prefix}cost_estimated_usd_total`,
      "The part of cost_usd_total that is the cost source's tokenizer estimate (calls the provider reported no usage for)",
      model([]),
    ),
    toolDuration: histogram(
      "gen_ai_execute_tool_duration_seconds",
      "Duration of a single tool execution (gen_ai.execute_tool.duration)",
      ["gen_ai_tool_name", "error_type", ...extraLabelNames],
      buckets.toolDuration,
    ),
    runs: counter(`${prefix}runs_total`, "LangChain runs by run type and outcome (ok, error, abandoned)", [
      "run_type",
      "status",
      ...extraLabelNames,
    ]),
    chainDuration: histogram(
      `${prefix}chain_duration_seconds`,
      "Duration of LangChain chain runs (sequences, graphs, graph nodes, prompt templates)",
      ["chain_name", "error_type", ...extraLabelNames],
      buckets.chainDuration,
    ),
    retrieverDuration: histogram(
      `${prefix}retriever_duration_seconds`,
      "Duration of LangChain retriever runs",
      ["retriever_name", "error_type", ...extraLabelNames],
      buckets.retrieverDuration,
    ),
    inFlight,
    handlerErrors: getOrCreate(registry, {
      type: "counter",
      name: `${prefix}handler_errors_total`,
      help: "Failures of the metrics handler itself (caught; the run went on), by callback method",
      labelNames: ["method", ...config.staticLabelNames],
    }) as Counter<string>,
    labelOverflows: counter(
      `${prefix}label_overflow_total`,
      "Label values recorded as _OTHER because the label's cap of distinct values was reached, by label",
      ["label"],
    ),
    caps: shared?.caps ?? {
      requestModel: new LabelValueCap("gen_ai_request_model", models),
      responseModel: new LabelValueCap("gen_ai_response_model", models),
      provider: new LabelValueCap("gen_ai_provider_name", providers),
      tool: new LabelValueCap("gen_ai_tool_name", tools),
      chain: new LabelValueCap("chain_name", chains),
      retriever: new LabelValueCap("retriever_name", chains),
      metadata: config.metadataLabelNames.map((name) => new LabelValueCap(name, metadata)),
    },
    extraLabelNames: [...extraLabelNames],
    sweepables: shared?.sweepables ?? new Set(),
    modelSeries: shared?.modelSeries ?? new Map(),
    runSeries: shared?.runSeries ?? new Map(),
    namedObservers: shared?.namedObservers ?? new Map(),
    pendingObservers: shared?.pendingObservers ?? new Set(),
  };
  if (shared) return shared;
  holder.set = set;
  inFlight[SHARED] = set;
  return set;
}
