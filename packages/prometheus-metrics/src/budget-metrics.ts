import type { Counter, Gauge, Registry } from "prom-client";
import { LabelValueCap } from "./labels.js";
import { getOrCreate, validLimit } from "./metrics.js";

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
  scope?: string | undefined;
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

/** USD held by one set of label values (static, then the scope when labelled), per limit. */
interface HeldSeries {
  labels: Record<string, string>;
  /** The limits exported: both without a scope; only `total` for a scope (per-trace limits have none). */
  limits: readonly Limit[];
  units: Record<Limit, number>;
}

/** What every handler on one registry shares, kept on the reserved-USD gauge (like the run metrics' state). */
interface BudgetShared {
  held: Map<string, HeldSeries>;
  /** The cap on `budget_scope` values, shared by every handler on the registry (the first one fixes it). */
  scopes: LabelValueCap | undefined;
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

/** Where and how {@link watchBudget} exports. */
export interface BudgetMetricsConfig {
  registry: Registry;
  prefix: string;
  staticNames: readonly string[];
  staticValues: readonly string[];
  /** The `budget_scope` label, from {@link budgetScopeLabel}. */
  scopeLabel: BudgetScopeLabel;
  /** The registry's overflow counter, for `budget_scope` values past the cap. */
  labelOverflows: Counter<string>;
  onError: (error: unknown) => void;
}

/** Whether the budget metrics get a `budget_scope` label, and its cap. */
export interface BudgetScopeLabel {
  on: boolean;
  maxValues: number;
}

/** Validates `budgetScopeLabel` and `maxLabelValues.budgetScopes`, throwing with the bad value. */
export function budgetScopeLabel(on: unknown, maxValues: number | undefined): BudgetScopeLabel {
  if (on !== undefined && typeof on !== "boolean") {
    throw new TypeError(`PrometheusCallbackHandler: budgetScopeLabel must be a boolean, got ${String(on)}`);
  }
  return { on: on === true, maxValues: validLimit("budgetScopes", maxValues) };
}

/**
 * Exports a cost source's budget decisions on `registry`: USD held by calls in flight, USD settled, refusals,
 * the limits and the limits reached. Labels are `limit` (`trace` | `total`) and `reason`, plus the handler's
 * static labels: not the budget's scope, which is a user or tenant id (unbounded series), unless `scopeLabel`
 * asks for it (capped). Every series without a scope is exported at 0 from the start, so `rate()` and
 * `increase()` see the first refusal.
 */
export function watchBudget(source: BudgetDecisionSource, config: BudgetMetricsConfig): void {
  const { registry, prefix, staticNames, staticValues, onError } = config;
  const scoped = config.scopeLabel.on;
  const scopeNames = scoped ? ["budget_scope"] : [];
  const statics = Object.fromEntries(staticNames.map((name, i) => [name, staticValues[i] ?? ""]));
  const staticKey = staticValues.join("\u0000");
  // Filled below with the registry's shared state; a gauge made by an earlier handler keeps its own holder,
  // which points at the same state.
  const holder: { state?: BudgetShared } = {};
  const reserved = getOrCreate(registry, {
    type: "gauge",
    name: `${prefix}budget_reserved_usd`,
    help: "USD held by this process's LLM calls in flight: each call's most possible cost, reserved before its request (budget_reserved_usd)",
    labelNames: ["limit", ...scopeNames, ...staticNames],
    collect: () => {
      if (holder.state === undefined) return;
      for (const series of holder.state.held.values()) {
        for (const limit of series.limits) {
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
    labelNames: ["limit", ...scopeNames, ...staticNames],
  }) as Counter<string>;
  const refusals = getOrCreate(registry, {
    type: "counter",
    name: `${prefix}budget_refusals_total`,
    help: "LLM calls refused before their request by the budget (reason: exceeded, or store_error when the store failed)",
    labelNames: ["limit", "reason", ...scopeNames, ...staticNames],
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

  reserved[SHARED] ??= {
    held: new Map(),
    watched: new WeakMap(),
    scopes: scoped ? new LabelValueCap("budget_scope", config.scopeLabel.maxValues) : undefined,
  };
  const state = reserved[SHARED];
  holder.state = state;
  let keys = state.watched.get(source);
  if (keys === undefined) {
    keys = new Set();
    state.watched.set(source, keys);
  }
  if (keys.has(staticKey)) return;
  keys.add(staticKey);
  /** The held-USD series of these static labels and a scope value (bounded by the cap). */
  const heldSeries = (scope: string): Record<Limit, number> => {
    const key = scoped ? `${staticKey}\u0000${scope}` : staticKey;
    let series = state.held.get(key);
    if (series === undefined) {
      series = {
        labels: scoped ? { ...statics, budget_scope: scope } : statics,
        limits: scope === "" ? LIMITS : ["total"],
        units: { trace: 0, total: 0 },
      };
      state.held.set(key, series);
    }
    return series.units;
  };
  const unscoped = heldSeries("");
  const limits = source.budgetLimits;
  if (limits?.perTraceUsd !== undefined) limitGauge.set({ ...statics, scope: "trace" }, limits.perTraceUsd);
  if (limits?.totalUsd !== undefined) limitGauge.set({ ...statics, scope: "total" }, limits.totalUsd);
  // Label objects built once: a decision costs a switch and one prom-client increment at most.
  const scopeLabels: Record<string, string> = scoped ? { budget_scope: "" } : {};
  const byLimit: Record<Limit, Record<string, string>> = {
    trace: { ...statics, ...scopeLabels, limit: "trace" },
    total: { ...statics, ...scopeLabels, limit: "total" },
  };
  const byScope = { trace: { ...statics, scope: "trace" }, total: { ...statics, scope: "total" } } as const;
  for (const limit of LIMITS) {
    spent.inc(byLimit[limit], 0);
    exceeded.inc(byScope[limit], 0);
  }
  for (const [limit, reason] of REFUSALS) refusals.inc({ ...byLimit[limit], reason }, 0);

  const cap = state.scopes;
  source.onBudgetDecision((decision) => {
    try {
      const limit = decision.limit;
      if (!isLimit(limit)) return;
      let held = unscoped;
      let labels: Record<string, string> = byLimit[limit];
      if (cap !== undefined && limit === "total" && typeof decision.scope === "string") {
        const scope = cap.admit(decision.scope);
        // Counted at once (the registry's overflow counter may already have been collected in this scrape).
        const overflowed = cap.pendingOverflows();
        if (overflowed > 0) {
          config.labelOverflows.inc({ label: cap.label }, overflowed);
          cap.exported(overflowed);
        }
        held = heldSeries(scope);
        labels = { ...labels, budget_scope: scope };
      }
      switch (decision.type) {
        case "reserved":
          held[limit] += units(decision.reservedUsd);
          break;
        case "settled": {
          held[limit] -= units(decision.releasedUsd);
          const usd = units(decision.spentUsd) / 1e10;
          if (usd > 0) spent.inc(labels, usd);
          break;
        }
        case "released":
        case "expired":
          held[limit] -= units(decision.releasedUsd);
          break;
        case "refused":
          if (decision.reason === "exceeded" || decision.reason === "store_error") {
            refusals.inc({ ...labels, reason: decision.reason });
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
