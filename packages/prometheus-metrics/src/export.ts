import type { HandlerGuard } from "@chainwatch/core";
import type { Counter } from "prom-client";
import type { MetricSet, Observer, PendingTokens, Sweepable } from "./metrics.js";

/** Observations a buffered observer holds before handing them over on its own (bounds memory per series). */
const FLUSH_AT = 64;

/**
 * A histogram child that queues observations and hands them to prom-client at scrape time (or every
 * {@link FLUSH_AT} observations). prom-client validates and hashes the labels on each `observe()`; doing that
 * off the callback path keeps the per-call cost of the handler small. The total work is the same.
 */
export class BufferedObserver implements Observer {
  private values: number[] = [];

  constructor(
    private readonly target: Observer,
    private readonly pending: Set<{ flush(): void }>,
  ) {}

  observe(value: number): void {
    if (this.values.length === 0) this.pending.add(this);
    this.values.push(value);
    if (this.values.length >= FLUSH_AT) this.flush();
  }

  /** Hands the queued observations to prom-client. */
  flush(): void {
    const values = this.values;
    this.values = [];
    this.pending.delete(this);
    for (const value of values) this.target.observe(value);
  }
}

/**
 * Sweeps every live handler's idle runs (forgetting handlers that were garbage-collected, whose runs thereby
 * leave the count), then counts the runs still in flight per series.
 */
function countRunsInFlight(set: MetricSet): void {
  for (const series of set.runSeries.values()) series.inFlight = 0;
  for (const ref of set.sweepables) {
    const target = ref.deref();
    if (target === undefined) {
      set.sweepables.delete(ref);
      continue;
    }
    target.sweepIdleRuns();
    target.countRunsInFlight();
  }
}

/** Reports a scrape-time failure through the first live handler (once per method, as the guard does). */
function reportFailure(set: MetricSet, method: string, error: unknown): void {
  for (const ref of set.sweepables) {
    const target = ref.deref();
    if (target) {
      target.reportFailure(method, error);
      return;
    }
  }
}

const TOKEN_COUNTERS: Readonly<Record<keyof PendingTokens, keyof MetricSet>> = {
  input: "inputTokens",
  output: "outputTokens",
  cacheRead: "cacheReadTokens",
  cacheWrite: "cacheWriteTokens",
  reasoning: "reasoningTokens",
};

const STATUSES = ["ok", "error", "abandoned"] as const;

function run(set: MetricSet, method: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    reportFailure(set, method, error);
  }
}

/**
 * Hands everything pending to prom-client: evicts idle runs and counts those in flight, flushes buffered
 * histogram observations, sets the in-flight gauge and adds the counted run outcomes, tokens and cost. Idempotent: a second call right after
 * finds nothing pending. A failing step is reported and the others still run.
 */
export function exportAll(set: MetricSet): void {
  run(set, "collect:sweep", () => countRunsInFlight(set));
  run(set, "collect:histograms", () => {
    for (const observer of [...set.pendingObservers]) observer.flush();
  });
  run(set, "collect:runs", () => {
    for (const series of set.runSeries.values()) {
      set.inFlight.set(series.labels, series.inFlight);
      for (const status of STATUSES) {
        const count = series[status];
        if (count > 0) {
          series[status] = 0;
          set.runs.inc(series.outcomeLabels[status], count);
        }
      }
    }
  });
  run(set, "collect:overflows", () => {
    const { caps } = set;
    for (const cap of [
      caps.requestModel,
      caps.responseModel,
      caps.provider,
      caps.tool,
      caps.chain,
      caps.retriever,
      ...caps.metadata,
    ]) {
      const count = cap.takeOverflowed();
      if (count > 0) set.labelOverflows.inc({ label: cap.label }, count);
    }
  });
  run(set, "collect:tokens", () => {
    for (const series of set.modelSeries.values()) {
      for (const field of Object.keys(TOKEN_COUNTERS) as (keyof PendingTokens)[]) {
        const count = series.tokens[field];
        if (count > 0) {
          series.tokens[field] = 0;
          (set[TOKEN_COUNTERS[field]] as Counter<string>).inc(series.labels, count);
        }
      }
      if (series.costUsd > 0) {
        const usd = series.costUsd;
        series.costUsd = 0;
        set.costUsd.inc(series.labels, usd);
      }
    }
  });
}

/**
 * The `collect` callback of every metric of a set. prom-client runs the callbacks of one scrape synchronously,
 * one metric after another; the first does the export and the rest of that tick skip it.
 */
export function scrapeExporter(holder: { set?: MetricSet }): () => void {
  let exportedThisTick = false;
  return () => {
    const { set } = holder;
    if (!set || exportedThisTick) return;
    exportedThisTick = true;
    queueMicrotask(() => {
      exportedThisTick = false;
    });
    exportAll(set);
  };
}

/**
 * Makes a handler's guard count every failure it catches in `counter` (by method), not only the first one it
 * reports. A failing counter never hides the report.
 */
export function countGuardFailures(
  guard: HandlerGuard,
  counter: Counter<string>,
  staticLabels: Readonly<Record<string, string>>,
): void {
  const report = guard.report.bind(guard);
  guard.report = (method: string, error: unknown) => {
    try {
      counter.inc({ ...staticLabels, method });
    } catch {
      // The registry itself may be what failed; the report below still goes out.
    }
    report(method, error);
  };
}

/** Size of each sweepables set at which registration next prunes dead references. */
const pruneThreshold = new WeakMap<object, number>();

/**
 * Registers a handler for scrape-time sweeping. The set holds weak references, dropped at scrape time once the
 * handler is garbage-collected; an app that creates a handler per request and is never scraped would still
 * pile them up, so registration prunes dead references whenever the set has doubled since the last prune.
 */
export function addSweepable(set: MetricSet, handler: Sweepable): void {
  set.sweepables.add(new WeakRef(handler));
  if (set.sweepables.size < (pruneThreshold.get(set.sweepables) ?? 1_024)) return;
  for (const ref of set.sweepables) if (ref.deref() === undefined) set.sweepables.delete(ref);
  pruneThreshold.set(set.sweepables, Math.max(1_024, set.sweepables.size * 2));
}
