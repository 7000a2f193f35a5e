import type { CostFunction, HandlerGuard, TrackedRun } from "@chainwatch/core";
import type { LogRecord } from "./writer.js";

/** Decimal places of a dollar kept in `cost_usd`: a millionth of a cent, below any price's precision. */
const COST_DECIMALS = 8;

/** A USD amount rounded to {@link COST_DECIMALS} places, so a record never shows float noise (`0.0000068999…`). */
export function roundUsd(usd: number): number {
  return Number(usd.toFixed(COST_DECIMALS));
}

/** Adds `cost_usd` from the cost source; a throwing source is reported and the record is still written. */
export function addCost(
  record: LogRecord,
  cost: CostFunction,
  output: unknown,
  run: TrackedRun<unknown>,
  guard: HandlerGuard,
): void {
  try {
    const usd = cost(output, { model: run.model, provider: run.provider });
    if (usd !== undefined) record.cost_usd = roundUsd(usd);
  } catch (error) {
    guard.report("cost", error);
  }
}
