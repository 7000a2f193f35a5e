import { RunBlockedError } from "@chainwatch/core";
import { formatUsd, roundUsd } from "./money.js";
import type { BudgetEvent, BudgetOptions } from "./types.js";

/** Thrown from the start callback of an LLM call when a budget is used up; the call's request is never sent. */
export class BudgetExceededError extends RunBlockedError {
  /** Which limit was reached. */
  readonly scope: BudgetEvent["scope"];
  readonly limitUsd: number;
  readonly spentUsd: number;
  readonly traceId: string;

  constructor(event: BudgetEvent) {
    super(
      `${event.scope === "trace" ? "Trace" : "Total"} budget of $${roundUsd(event.limitUsd)} reached (${formatUsd(event.spentUsd)} spent or held${
        event.scope === "trace" ? ` in trace ${event.traceId}` : event.key ? ` for ${event.key}` : ""
      }): the call to ${event.model ?? "the model"} was not sent`,
    );
    this.scope = event.scope;
    this.limitUsd = event.limitUsd;
    this.spentUsd = event.spentUsd;
    this.traceId = event.traceId;
  }
}

const WINDOWS: Readonly<Record<string, number>> = { "1h": 3_600_000, "1d": 86_400_000, "30d": 2_592_000_000 };

export function limit(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`budget.${name} must be a non-negative finite number of USD, got ${String(value)}`);
  }
  return value;
}

export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`budget.${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

export function windowMs(window: BudgetOptions["window"]): number | undefined {
  if (window === undefined) return undefined;
  const ms = typeof window === "number" ? window : WINDOWS[window];
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(
      `budget.window must be "1h", "1d", "30d" or a positive number of ms, got ${String(window)}`,
    );
  }
  return ms;
}

export const defaultReport = (event: BudgetEvent): void => {
  process.emitWarning(
    `token_cost: ${event.scope} budget of $${roundUsd(event.limitUsd)} reached (${formatUsd(event.spentUsd)} spent, trace ${event.traceId})`,
    { code: "CHAINWATCH_BUDGET_EXCEEDED" },
  );
};
