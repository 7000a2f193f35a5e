import type { TokenUsage } from "@chainwatch/core";
import type { Histogram } from "prom-client";
import { BufferedObserver, exportAll, reportFailure } from "./export.js";
import type { MetricSet, ModelSeries, Observer, RunSeries } from "./metrics.js";

/**
 * Most model series or label sets kept per registry. The caps bound them already (models × providers ×
 * metadata values); this is the backstop for caps set very high: past it the cache starts over, after
 * exporting what is pending, and children are rebuilt on demand.
 */
const MAX_CACHED = 20_000;

const SEP = "\u0000";

function withExtra(
  set: MetricSet,
  labels: Record<string, string>,
  extra: readonly string[],
): Record<string, string> {
  for (const [index, name] of set.extraLabelNames.entries()) labels[name] = extra[index] ?? "";
  return labels;
}

function child(set: MetricSet, metric: Histogram<string>, labels: Record<string, string>): Observer {
  return new BufferedObserver(
    () => metric.labels(labels),
    set.pendingObservers,
    (error) => reportFailure(set, "observe", error),
  );
}

function prune(set: MetricSet): void {
  exportAll(set);
  set.modelSeries.clear();
  set.namedObservers.clear();
  // A run series with runs in flight (just counted by exportAll) is still referenced by those runs: keep it.
  for (const [key, series] of set.runSeries) if (series.inFlight === 0) set.runSeries.delete(key);
}

/** The (cached) children for one model series. Label values must already be capped. */
export function modelSeries(
  set: MetricSet,
  operation: string,
  provider: string,
  requestModel: string,
  responseModel: string,
  extra: readonly string[],
  extraKey: string,
): ModelSeries {
  const key = `${operation}${SEP}${provider}${SEP}${requestModel}${SEP}${responseModel}${SEP}${extraKey}`;
  const found = set.modelSeries.get(key);
  if (found !== undefined) return found;
  if (set.modelSeries.size >= MAX_CACHED) prune(set);
  const labels = withExtra(
    set,
    {
      gen_ai_operation_name: operation,
      gen_ai_provider_name: provider,
      gen_ai_request_model: requestModel,
      gen_ai_response_model: responseModel,
    },
    extra,
  );
  const failures = new Map<string, Observer>();
  const series: ModelSeries = {
    labels,
    duration: child(set, set.operationDuration, { ...labels, error_type: "" }),
    timeToFirstChunk: child(set, set.timeToFirstChunk, labels),
    inputUsage: child(set, set.tokenUsage, { ...labels, gen_ai_token_type: "input" }),
    outputUsage: child(set, set.tokenUsage, { ...labels, gen_ai_token_type: "output" }),
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    costUsd: 0,
    costEstimatedUsd: 0,
    failed(errorType: string): Observer {
      let observer = failures.get(errorType);
      if (observer === undefined) {
        observer = child(set, set.operationDuration, { ...labels, error_type: errorType });
        failures.set(errorType, observer);
      }
      return observer;
    },
  };
  set.modelSeries.set(key, series);
  return series;
}

/** The (cached) in-flight and outcome counts for one run type and set of extra label values. */
export function runSeries(
  set: MetricSet,
  runType: string,
  extra: readonly string[],
  extraKey: string,
): RunSeries {
  const key = `${runType}${SEP}${extraKey}`;
  const found = set.runSeries.get(key);
  if (found !== undefined) return found;
  if (set.runSeries.size >= MAX_CACHED) prune(set);
  const outcome = (status: string) => withExtra(set, { run_type: runType, status }, extra);
  const series: RunSeries = {
    labels: withExtra(set, { run_type: runType }, extra),
    outcomeLabels: { ok: outcome("ok"), error: outcome("error"), abandoned: outcome("abandoned") },
    inFlight: 0,
    ok: 0,
    error: 0,
    abandoned: 0,
  };
  set.runSeries.set(key, series);
  return series;
}

/** The (cached) observer of a tool, chain or retriever duration histogram. */
export function namedObserver(
  set: MetricSet,
  metric: Histogram<string>,
  label: string,
  name: string,
  errorType: string,
  extra: readonly string[],
  extraKey: string,
): Observer {
  const key = `${label}${SEP}${name}${SEP}${errorType}${SEP}${extraKey}`;
  const found = set.namedObservers.get(key);
  if (found !== undefined) return found;
  if (set.namedObservers.size >= MAX_CACHED) prune(set);
  const observer = child(set, metric, withExtra(set, { [label]: name, error_type: errorType }, extra));
  set.namedObservers.set(key, observer);
  return observer;
}

/** The observer of a finished tool, retriever or chain (and prompt) run's duration. Never throws on a name. */
export function runObserver(
  set: MetricSet,
  runType: string,
  runName: string,
  errorType: string,
  extra: readonly string[],
  extraKey: string,
): Observer {
  if (runType === "tool") {
    const tool = set.caps.tool.admit(runName);
    return namedObserver(set, set.toolDuration, "gen_ai_tool_name", tool, errorType, extra, extraKey);
  }
  if (runType === "retriever") {
    const name = set.caps.retriever.admit(runName);
    return namedObserver(set, set.retrieverDuration, "retriever_name", name, errorType, extra, extraKey);
  }
  const name = set.caps.chain.admit(runName);
  return namedObserver(set, set.chainDuration, "chain_name", name, errorType, extra, extraKey);
}

/**
 * The most tokens of one kind one call can report: the largest context windows are around 10 million tokens, so a
 * count past 100 million is a broken counter or a corrupted response, not usage.
 */
export const MAX_TOKENS_PER_CALL = 100_000_000;

function absurd(usage: TokenUsage): boolean {
  return (
    (usage.inputTokens ?? 0) > MAX_TOKENS_PER_CALL ||
    (usage.outputTokens ?? 0) > MAX_TOKENS_PER_CALL ||
    (usage.cacheReadTokens ?? 0) > MAX_TOKENS_PER_CALL ||
    (usage.cacheWriteTokens ?? 0) > MAX_TOKENS_PER_CALL ||
    (usage.reasoningTokens ?? 0) > MAX_TOKENS_PER_CALL
  );
}

/**
 * Records a call's token usage: the usage histogram now, the counters at scrape time. Missing counts are skipped;
 * a usage with a count no call can have ({@link MAX_TOKENS_PER_CALL}) is invalid and recorded not at all.
 */
export function recordUsage(series: ModelSeries, usage: TokenUsage | undefined): void {
  if (usage === undefined || absurd(usage)) return;
  const { tokens } = series;
  if (usage.inputTokens !== undefined) {
    series.inputUsage.observe(usage.inputTokens);
    tokens.input += usage.inputTokens;
  }
  if (usage.outputTokens !== undefined) {
    series.outputUsage.observe(usage.outputTokens);
    tokens.output += usage.outputTokens;
  }
  tokens.cacheRead += usage.cacheReadTokens ?? 0;
  tokens.cacheWrite += usage.cacheWriteTokens ?? 0;
  tokens.reasoning += usage.reasoningTokens ?? 0;
}
