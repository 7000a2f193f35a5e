import type { Counter, Gauge, Registry } from "prom-client";
import { getOrCreate } from "./metrics.js";

/**
 * A budget decision as this package reads it: `@chainwatch/token-cost`'s `BudgetDecision`, read field by field
 * (this package does not depend on token-cost), so any cost source may offer the same interface.
 */
export interface BudgetDecisionLike {
  type: string;
  limit: string;
  reservedUsd?: number | undefined;
  releasedUsd?: number | undefined;
  spentUsd?: number | undefined;
  reason?: string | undefined;
}

/** A cost source that tells of its budget decisions (`TokenCostCallbackHandler`). */
export interface BudgetDecisionSource {
  onBudgetDecision(listener: (decision: BudgetDecisionLike) => void): () => void;
  /** The limits configured; a source that says it has none gets no budget metrics. */
  readonly budgetLimits?: { perTraceUsd?: number | undefined; totalUsd?: number | undefined };
}

const LIMITS = ["trace", "total"] as const;
type Limit = (typeof LIMITS)[number];
/** Refusals that can happen: a per-trace limit lives in process memory, so only `total` has store errors. */
const REFUSALS: readonly [Limit, string][] = [
  ["trace", "exceeded"],
  ["total", "exceeded"],
  ["total", "store_error"],
];

/** USD held, in integer units of $1e-10 (token-cost's resolution), so that holds and releases cancel exactly. */
function units(usd: unknown): number {
  return typeof usd === "number" && Number.isFinite(usd) && usd >= 0 ? Math.round(usd * 1e10) : 0;
}

function isLimit(value: unknown): value is Limit {
  return value === "trace" || value === "total";
}

/** USD held by one set of static label values, per limit. */
interface HeldSeries {
  labels: Record<string, string>;
  units: Record<Limit, number>;
}

/** What every handler on one registry shares, kept on the reserved-USD gauge (like the run metrics' state). */
interface BudgetShared {
  held: Map<string, HeldSeries>;
  /** Cost sources already watched, by static-label key: two handlers on one registry never count a decision twice. */
  watched: WeakMap<object, Set<string>>;
}

const SHARED = Symbol.for("chainwatch.prometheus-metrics.budget");

/** Whether `cost` tells of budget decisions and has a budget (or does not say). */
export function isBudgetSource(cost: unknown): cost is BudgetDecisionSource {
  if (typeof cost !== "object" || cost === null) return false;
  if (typeof (cost as Partial<BudgetDecisionSource>).onBudgetDecision !== "function") return false;
  const limits = (cost as Partial<BudgetDecisionSource>).budgetLimits;
  return limits === undefined || limits.perTraceUsd !== undefined || limits.totalUsd !== undefined;
}

/**
 * Exports a cost source's budget decisions on `registry`: USD held by calls in flight, USD settled, refusals,
 * the limits and the limits reached. Labels are `limit` (`trace` | `total`) and `reason`, plus the handler's
 * static labels: never the budget's scope key, which is a user or tenant id (unbounded series). Every series
 * is exported at 0 from the start, so `rate()` and `increase()` see the first refusal.
 */
export function watchBudget(
  source: BudgetDecisionSource,
  registry: Registry,
  prefix: string,
  staticNames: readonly string[],
  staticValues: readonly string[],
  onError: (error: unknown) => void,
): void {
  const statics = Object.fromEntries(staticNames.map((name, i) => [name, staticValues[i] ?? ""]));
  const staticKey = staticValues.join("\u0000");
  // Filled below with the registry's shared state; a gauge made by an earlier handler keeps its own holder,
  // which points at the same state.
  const holder: { state?: BudgetShared } = {};
  const reserved = getOrCreate(registry, {
    type: "gauge",
    name: `${prefix}budget_reserved_usd`,
    help: "USD held by this process's LLM calls in flight: each call's most possible cost, reserved before its request (budget_reserved_usd)",
    labelNames: ["limit", ...staticNames],
    collect: () => {
      if (holder.state === undefined) return;
      for (const series of holder.state.held.values()) {
        for (const limit of LIMITS) {
          // Never below 0: a call reserved before this handler subscribed may be released after.
          reserved.set({ ...series.labels, limit }, Math.max(series.units[limit], 0) / 1e10);
        }
      }
    },
  }) as Gauge<string> & { [SHARED]?: BudgetShared };
  const spent = getOrCreate(registry, {
    type: "counter",
    name: `${prefix}budget_spent_usd_total`,
    help: "USD settled against the budget's limits: the cost of each reserved call once it ended (budget_spent_usd)",
    labelNames: ["limit", ...staticNames],
  }) as Counter<string>;
  const refusals = getOrCreate(registry, {
    type: "counter",
    name: `${prefix}budget_refusals_total`,
    help: "LLM calls refused before their request by the budget (reason: exceeded, or store_error when the store failed)",
    labelNames: ["limit", "reason", ...staticNames],
  }) as Counter<string>;
  const limitGauge = getOrCreate(registry, {
    type: "gauge",
    name: `${prefix}budget_limit_usd`,
    help: "USD limits of the cost handler's budget, by scope (trace: per run tree; total: per scope key and window)",
    labelNames: ["scope", ...staticNames],
  }) as Gauge<string>;
  const exceeded = getOrCreate(registry, {
    type: "counter",
    name: `${prefix}budget_exceeded_total`,
    help: "Budget limits reached, by scope (once per limit: per trace for trace limits, per key for total)",
    labelNames: ["scope", ...staticNames],
  }) as Counter<string>;

  reserved[SHARED] ??= { held: new Map(), watched: new WeakMap() };
  const state = reserved[SHARED];
  holder.state = state;
  let keys = state.watched.get(source);
  if (keys === undefined) {
    keys = new Set();
    state.watched.set(source, keys);
  }
  if (keys.has(staticKey)) return;
  keys.add(staticKey);
  let series = state.held.get(staticKey);
  if (series === undefined) {
    series = { labels: statics, units: { trace: 0, total: 0 } };
    state.held.set(staticKey, series);
  }
  const held = series.units;
  const limits = source.budgetLimits;
  if (limits?.perTraceUsd !== undefined) limitGauge.set({ ...statics, scope: "trace" }, limits.perTraceUsd);
  if (limits?.totalUsd !== undefined) limitGauge.set({ ...statics, scope: "total" }, limits.totalUsd);
  // Label objects built once: a decision costs a switch and one prom-client increment at most.
  const byLimit = {
    trace: { ...statics, limit: "trace" },
    total: { ...statics, limit: "total" },
  } as const;
  const byScope = { trace: { ...statics, scope: "trace" }, total: { ...statics, scope: "total" } } as const;
  for (const limit of LIMITS) {
    spent.inc(byLimit[limit], 0);
    exceeded.inc(byScope[limit], 0);
  }
  for (const [limit, reason] of REFUSALS) refusals.inc({ ...byLimit[limit], reason }, 0);

  source.onBudgetDecision((decision) => {
    try {
      const limit = decision.limit;
      if (!isLimit(limit)) return;
      switch (decision.type) {
        case "reserved":
          held[limit] += units(decision.reservedUsd);
          break;
        case "settled": {
          held[limit] -= units(decision.releasedUsd);
          const usd = units(decision.spentUsd) / 1e10;
          if (usd > 0) spent.inc(byLimit[limit], usd);
          break;
        }
        case "released":
        case "expired":
          held[limit] -= units(decision.releasedUsd);
          break;
        case "refused":
          if (decision.reason === "exceeded" || decision.reason === "store_error") {
            refusals.inc({ ...byLimit[limit], reason: decision.reason });
          }
          break;
        case "exceeded":
          exceeded.inc(byScope[limit]);
          break;
      }
    } catch (error) {
      onError(error);
    }
  });
}
