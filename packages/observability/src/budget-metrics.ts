import type { BudgetEvent, BudgetOptions } from "@chainwatch/token-cost";
import { Counter, Gauge, register as globalRegister, type Registry } from "prom-client";

/** The registry's metric of that name when it has one of the right type, else a new one. */
function existing<T>(registry: Registry, name: string, type: string): T | undefined {
  const metric = registry.getSingleMetric(name) as ({ type?: unknown } & T) | undefined;
  if (metric === undefined) return undefined;
  if (metric.type !== type) {
    throw new TypeError(
      `createObservability: metric ${name} is already registered as a ${String(metric.type)}, not a ${type}`,
    );
  }
  return metric;
}

/**
 * Budget metrics next to the handler's: `<prefix>budget_limit_usd{scope}` (the limits configured) and
 * `<prefix>budget_exceeded_total{scope}` (limits reached, counted through token-cost's `onBudgetExceeded`, so
 * an alert can fire when a budget runs out). Returns the `onBudgetExceeded` to give the cost handler, which
 * still calls the user's own.
 */
export function budgetMetrics(
  budget: BudgetOptions,
  registry: Registry | undefined,
  prefix: string,
): (event: BudgetEvent) => void {
  const target = registry ?? globalRegister;
  const limitName = `${prefix}budget_limit_usd`;
  const limit =
    existing<Gauge<string>>(target, limitName, "gauge") ??
    new Gauge({
      name: limitName,
      help: "USD limits of the cost handler's budget, by scope (trace: per run tree; total: per handler)",
      labelNames: ["scope"],
      registers: [target],
    });
  if (budget.perTraceUsd !== undefined) limit.set({ scope: "trace" }, budget.perTraceUsd);
  if (budget.totalUsd !== undefined) limit.set({ scope: "total" }, budget.totalUsd);
  const exceededName = `${prefix}budget_exceeded_total`;
  const exceeded =
    existing<Counter<string>>(target, exceededName, "counter") ??
    new Counter({
      name: exceededName,
      help: "Budget limits reached, by scope (once per limit, and per trace for per-trace limits)",
      labelNames: ["scope"],
      registers: [target],
    });
  // Both scopes exported from the start, so rate() and increase() see the first breach.
  exceeded.inc({ scope: "trace" }, 0);
  exceeded.inc({ scope: "total" }, 0);
  const user = budget.onBudgetExceeded;
  return (event) => {
    exceeded.inc({ scope: event.scope });
    if (user) {
      user(event);
    } else {
      process.emitWarning(
        `token_cost: ${event.scope} budget of $${event.limitUsd} reached ($${event.spentUsd.toFixed(6)} spent, trace ${event.traceId})`,
        { code: "CHAINWATCH_BUDGET_EXCEEDED" },
      );
    }
  };
}
