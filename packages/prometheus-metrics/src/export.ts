import type { HandlerGuard } from "@chainwatch/core";
import type { Counter } from "prom-client";
import type { MetricSet, Observer, PendingTokens, Sweepable } from "./metrics.js";

/** Observations a buffered observer holds before handing them over on its own (bounds memory per series). */
const FLUSH_AT = 64;

/**
 * Observations kept for a retry when prom-client refuses them (a failing registry): past this the oldest are
 * dropped, so a registry that never recovers cannot grow memory.
 */
const MAX_HELD = 1_024;

/**
 * A histogram child that queues observations and hands them to prom-client at scrape time (or every
 * {@link FLUSH_AT} observations). prom-client validates and hashes the labels on each `observe()`; doing that
 * off the callback path keeps the per-call cost of the handler small. The total work is the same.
 *
 * It never throws: an observation prom-client refuses is kept (with those after it) for the next flush and the
 * failure goes to `report`, so a failing histogram neither loses data nor stops the caller's other updates.
 */
export class BufferedObserver implements Observer {
  private values: number[] = [];
  /** prom-client's child; when the registry refuses it, made again at the next flush. */
  private target: Observer | undefined;

  constructor(
    private readonly makeTarget: () => Observer,
    private readonly pending: Set<{ flush(): void }>,
    private readonly report: (error: unknown) => void,
  ) {
    try {
      this.target = makeTarget();
    } catch (error) {
      report(error);
    }
  }

  observe(value: number): void {
    // prom-client throws on a non-finite value; one bad value must not block the queue behind it.
    if (!Number.isFinite(value)) return;
    if (this.values.length === 0) this.pending.add(this);
    this.values.push(value);
    if (this.values.length >= FLUSH_AT) this.flush();
  }

  /** Hands the queued observations to prom-client; what it refuses stays queued. Never throws. */
  flush(): void {
    const values = this.values;
    this.values = [];
    this.pending.delete(this);
    for (let index = 0; index < values.length; index++) {
      try {
        this.target ??= this.makeTarget();
        this.target.observe(values[index] as number);
      } catch (error) {
        const rest = values.slice(index);
        this.values = rest.length > MAX_HELD ? rest.slice(rest.length - MAX_HELD) : rest;
        this.pending.add(this);
        this.report(error);
        return;
      }
    }
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
export function reportFailure(set: MetricSet, method: string, error: unknown): void {
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

const TOKEN_FIELDS = Object.keys(TOKEN_COUNTERS) as (keyof PendingTokens)[];

const STATUSES = ["ok", "error", "abandoned"] as const;

function run(set: MetricSet, method: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    reportFailure(set, method, error);
  }
}

/**
 * Adds `count` to a counter, and only then takes it off the pending total `take` clears: a counter that throws
 * keeps its count pending for the next scrape. Reports the failure; never throws.
 */
function addPending(
  set: MetricSet,
  method: string,
  counter: Counter<string>,
  labels: Readonly<Record<string, string>>,
  count: number,
  take: (count: number) => void,
): void {
  if (!(count > 0)) return;
  try {
    counter.inc(labels, count);
  } catch (error) {
    reportFailure(set, method, error);
    return;
  }
  take(count);
}

/**
 * Hands everything pending to prom-client: evicts idle runs and counts those in flight, flushes buffered
 * histogram observations, sets the in-flight gauge and adds the counted run outcomes, tokens and cost.
 * Idempotent: a second call right after finds nothing pending. Pending counts are cleared only once prom-client
 * took them, and each metric and series is written on its own: a failing one is reported and retried at the
 * next scrape, and the others are still written.
 */
export function exportAll(set: MetricSet): void {
  run(set, "collect:sweep", () => countRunsInFlight(set));
  for (const observer of [...set.pendingObservers]) observer.flush();
  for (const series of set.runSeries.values()) {
    run(set, "collect:runs", () => set.inFlight.set(series.labels, series.inFlight));
    for (const status of STATUSES) {
      addPending(set, "collect:runs", set.runs, series.outcomeLabels[status], series[status], (count) => {
        series[status] -= count;
      });
    }
  }
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
    addPending(
      set,
      "collect:overflows",
      set.labelOverflows,
      { label: cap.label },
      cap.pendingOverflows(),
      (count) => cap.exported(count),
    );
  }
  for (const series of set.modelSeries.values()) {
    const { tokens } = series;
    for (const field of TOKEN_FIELDS) {
      const counter = set[TOKEN_COUNTERS[field]] as Counter<string>;
      addPending(set, "collect:tokens", counter, series.labels, tokens[field], (count) => {
        tokens[field] -= count;
      });
    }
    addPending(set, "collect:cost", set.costUsd, series.labels, series.costUsd, (usd) => {
      series.costUsd -= usd;
    });
    addPending(set, "collect:cost", set.costEstimatedUsd, series.labels, series.costEstimatedUsd, (usd) => {
      series.costEstimatedUsd -= usd;
    });
  }
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
