import {
  type CostHint,
  extractUsage,
  type HandlerGuard,
  responseModel,
  type TrackedRun,
} from "@chainwatch/core";
import { errorType } from "./error-type.js";
import type { MetricSet, ModelSeries, RunSeries } from "./metrics.js";
import { modelSeries, recordUsage, runObserver } from "./series.js";

/** What the handler keeps per run. */
export interface RunState {
  /** Static then metadata label values, fixed at start. */
  extra: readonly string[];
  /** `extra` joined, for cache keys. */
  extraKey: string;
  /** Operation name of LLM runs (`chat`, `text_completion`). */
  operation: string;
  /** In-flight and outcome counts of the run's type and labels. */
  series: RunSeries;
}

type Run = TrackedRun<RunState>;

/**
 * Counts a run's outcome once. A run evicted as abandoned whose end arrives late (a call slower than the
 * tracker's in-flight bound) is moved from `abandoned` to its real status while that `abandoned` is still
 * pending; once a scrape has exported it, it stays counted as abandoned (a counter never goes down) and is not
 * counted a second time. Its duration, tokens and cost are recorded either way.
 */
function countOutcome(series: RunSeries, run: Run, status: "ok" | "error"): void {
  if (run.evicted !== undefined) {
    if (series.abandoned <= 0) return;
    series.abandoned--;
  }
  series[status]++;
}

function seconds(from: number, to: number): number {
  return Math.max((to - from) / 1000, 0);
}

function seriesOf(set: MetricSet, run: Run, response: string | undefined): ModelSeries {
  const { caps } = set;
  return modelSeries(
    set,
    run.state.operation,
    caps.provider.admit(run.provider),
    caps.requestModel.admit(run.model),
    caps.responseModel.admit(response),
    run.state.extra,
    run.state.extraKey,
  );
}

/** A cost source's answer for one call: USD, and whether it is a tokenizer estimate. */
export type CallCost = { usd: number; estimated: boolean } | undefined;

/** The handler's cost source as one function (see `cost.ts`). */
export type CallCostFunction = (output: unknown, hint: CostHint & { runId: string }) => CallCost;

/** Adds the call's cost to its series; a throwing cost source is reported and the call's other metrics stay. */
function addCost(
  series: ModelSeries,
  output: unknown,
  run: Run,
  cost: CallCostFunction,
  guard: HandlerGuard,
): void {
  let answer: CallCost;
  try {
    answer = cost(output, { model: run.model, provider: run.provider, runId: run.runId });
  } catch (error) {
    guard.report("cost", error);
    return;
  }
  if (answer === undefined) return;
  series.costUsd += answer.usd;
  if (answer.estimated) series.costEstimatedUsd += answer.usd;
}

/**
 * Records a finished model call: its outcome, then the counters (tokens, cost), then the histograms. Each
 * update stands on its own: the histograms are buffered and never throw, and the cost source is guarded.
 */
export function recordModelEnd(
  set: MetricSet,
  run: Run,
  output: unknown,
  end: number,
  cost: CallCostFunction | undefined,
  guard: HandlerGuard,
): void {
  countOutcome(run.state.series, run, "ok");
  const series = seriesOf(set, run, responseModel(output));
  recordUsage(series, extractUsage(output));
  if (cost !== undefined) addCost(series, output, run, cost, guard);
  series.duration.observe(seconds(run.startTime, end));
  if (run.firstTokenTime !== undefined) {
    series.timeToFirstChunk.observe(seconds(run.startTime, run.firstTokenTime));
  }
}

/** Records a failed model call, its duration labelled with the error's `error_type`. */
export function recordModelError(set: MetricSet, run: Run, error: unknown, end: number): void {
  countOutcome(run.state.series, run, "error");
  const series = seriesOf(set, run, undefined);
  series.failed(errorType(error)).observe(seconds(run.startTime, end));
  if (run.firstTokenTime !== undefined) {
    series.timeToFirstChunk.observe(seconds(run.startTime, run.firstTokenTime));
  }
}

/** Records a finished chain, prompt, tool or retriever run (failed when `error` is defined). */
export function recordRunEnd(set: MetricSet, run: Run, error: unknown, end: number): void {
  const { state } = run;
  const failed = error !== undefined;
  countOutcome(state.series, run, failed ? "error" : "ok");
  const errorLabel = failed ? errorType(error) : "";
  runObserver(set, run.runType, run.name, errorLabel, state.extra, state.extraKey).observe(
    seconds(run.startTime, end),
  );
}
