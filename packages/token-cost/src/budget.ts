import { RunBlockedError } from "@chainwatch/core";
import type { BudgetAction, BudgetEvent, BudgetOptions } from "./types.js";

/** Thrown from the start callback of an LLM call when a budget is used up; the call's request is never sent. */
export class BudgetExceededError extends RunBlockedError {
  /** Which limit was reached. */
  readonly scope: BudgetEvent["scope"];
  readonly limitUsd: number;
  readonly spentUsd: number;
  readonly traceId: string;

  constructor(event: BudgetEvent) {
    super(
      `${event.scope === "trace" ? "Trace" : "Total"} budget of $${event.limitUsd} reached ($${event.spentUsd.toFixed(6)} spent${
        event.scope === "trace" ? ` in trace ${event.traceId}` : ""
      }): the call to ${event.model ?? "the model"} was not sent`,
    );
    this.scope = event.scope;
    this.limitUsd = event.limitUsd;
    this.spentUsd = event.spentUsd;
    this.traceId = event.traceId;
  }
}

function limit(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`budget.${name} must be a non-negative finite number of USD, got ${String(value)}`);
  }
  return value;
}

const defaultReport = (event: BudgetEvent): void => {
  process.emitWarning(
    `token_cost: ${event.scope} budget of $${event.limitUsd} reached ($${event.spentUsd.toFixed(6)} spent, trace ${event.traceId})`,
    { code: "CHAINWATCH_BUDGET_EXCEEDED" },
  );
};

/** The budget rules of one handler: which limit a call would break, and reporting each breach once. */
export class Budget {
  readonly perTraceUsd: number | undefined;
  readonly totalUsd: number | undefined;
  readonly action: BudgetAction;
  private readonly report: (event: BudgetEvent) => void;
  private readonly reported = new Set<string>();

  constructor(
    options: BudgetOptions | undefined,
    private readonly maxReported: number,
  ) {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError(`budget must be an object, got ${String(options)}`);
    }
    this.perTraceUsd = limit("perTraceUsd", options?.perTraceUsd);
    this.totalUsd = limit("totalUsd", options?.totalUsd);
    const action = options?.onExceed ?? "throw";
    if (action !== "throw" && action !== "warn") {
      throw new RangeError(`budget.onExceed must be "throw" or "warn", got ${String(action)}`);
    }
    this.action = action;
    this.report = options?.onBudgetExceeded ?? defaultReport;
  }

  /** True when a limit is set. */
  get active(): boolean {
    return this.perTraceUsd !== undefined || this.totalUsd !== undefined;
  }

  /** True when calls must be stopped (and the handler must be built with `raiseError`). */
  get blocks(): boolean {
    return this.active && this.action === "throw";
  }

  /** The limit already used up, if any, with these amounts spent so far. */
  breach(
    traceId: string,
    traceSpent: number,
    totalSpent: number,
    model: string | undefined,
  ): BudgetEvent | undefined {
    if (this.totalUsd !== undefined && totalSpent >= this.totalUsd) {
      return { scope: "total", limitUsd: this.totalUsd, spentUsd: totalSpent, traceId, model };
    }
    if (this.perTraceUsd !== undefined && traceSpent >= this.perTraceUsd) {
      return { scope: "trace", limitUsd: this.perTraceUsd, spentUsd: traceSpent, traceId, model };
    }
    return undefined;
  }

  /** Tells `onBudgetExceeded` about a breach, once per limit (and per trace for trace limits). */
  notify(event: BudgetEvent, onError: (error: unknown) => void): void {
    const key = event.scope === "total" ? "\u0000total" : event.traceId;
    if (this.reported.has(key)) return;
    if (this.reported.size >= this.maxReported) this.reported.clear();
    this.reported.add(key);
    try {
      this.report(event);
    } catch (error) {
      onError(error);
    }
  }
}
