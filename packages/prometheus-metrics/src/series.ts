import type { Counter, Histogram } from "prom-client";
import { cached, type MetricSet } from "./metrics.js";

/** A histogram child: labels already bound. */
export interface Observer {
  observe(value: number): void;
}

/** A counter child: labels already bound. */
export interface Incrementer {
  inc(value?: number): void;
}

/** The children one model series writes to: label values resolved once per (operation, provider, models, extra). */
export interface ModelSeries {
  duration: Observer;
  timeToFirstChunk: Observer;
  inputUsage: Observer;
  outputUsage: Observer;
  inputTokens: Incrementer;
  outputTokens: Incrementer;
  cacheReadTokens: Incrementer;
  cacheWriteTokens: Incrementer;
  reasoningTokens: Incrementer;
  /** The duration child for a failed call of this series, by `error_type` (a bounded set). */
  failed(errorType: string): Observer;
}

/** The children of one (run type, extra labels) pair: the in-flight gauge and the run outcomes. */
export interface RunSeries {
  inFlight: { inc(): void; dec(): void };
  ok: Incrementer;
  error: Incrementer;
  abandoned: Incrementer;
}

const SEP = "\u0000";

function withExtra(
  set: MetricSet,
  labels: Record<string, string>,
  extra: readonly string[],
): Record<string, string> {
  for (const [index, name] of set.extraLabelNames.entries()) labels[name] = extra[index] ?? "";
  return labels;
}

function child(metric: Histogram<string>, labels: Record<string, string>): Observer {
  return metric.labels(labels);
}

function counterChild(metric: Counter<string>, labels: Record<string, string>): Incrementer {
  return metric.labels(labels);
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
  const key = `m${SEP}${operation}${SEP}${provider}${SEP}${requestModel}${SEP}${responseModel}${SEP}${extraKey}`;
  return cached(set, key, () => {
    const base = withExtra(
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
    return {
      duration: child(set.operationDuration, { ...base, error_type: "" }),
      timeToFirstChunk: child(set.timeToFirstChunk, base),
      inputUsage: child(set.tokenUsage, { ...base, gen_ai_token_type: "input" }),
      outputUsage: child(set.tokenUsage, { ...base, gen_ai_token_type: "output" }),
      inputTokens: counterChild(set.inputTokens, base),
      outputTokens: counterChild(set.outputTokens, base),
      cacheReadTokens: counterChild(set.cacheReadTokens, base),
      cacheWriteTokens: counterChild(set.cacheWriteTokens, base),
      reasoningTokens: counterChild(set.reasoningTokens, base),
      failed(errorType: string): Observer {
        let observer = failures.get(errorType);
        if (observer === undefined) {
          observer = child(set.operationDuration, { ...base, error_type: errorType });
          failures.set(errorType, observer);
        }
        return observer;
      },
    };
  });
}

/** The (cached) in-flight and outcome children for one run type and set of extra label values. */
export function runSeries(
  set: MetricSet,
  runType: string,
  extra: readonly string[],
  extraKey: string,
): RunSeries {
  return cached(set, `r${SEP}${runType}${SEP}${extraKey}`, () => {
    const outcome = (status: string) =>
      counterChild(set.runs, withExtra(set, { run_type: runType, status }, extra));
    return {
      inFlight: set.inFlight.labels(withExtra(set, { run_type: runType }, extra)),
      ok: outcome("ok"),
      error: outcome("error"),
      abandoned: outcome("abandoned"),
    };
  });
}

/** The (cached) label object for a tool, chain or retriever duration observation. */
export function namedLabels(
  set: MetricSet,
  label: string,
  name: string,
  errorType: string,
  extra: readonly string[],
  extraKey: string,
): Record<string, string> {
  return cached(set, `n${SEP}${label}${SEP}${name}${SEP}${errorType}${SEP}${extraKey}`, () =>
    withExtra(set, { [label]: name, error_type: errorType }, extra),
  );
}
