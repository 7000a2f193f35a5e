import {
  type CostHint,
  type CostOption,
  type HandlerGuard,
  resolveCostSource,
  type TrackedRun,
} from "@chainwatch/core";
import type { LogRecord } from "./writer.js";

/** Decimal places of a dollar kept in `cost_usd`: a millionth of a cent, below any price's precision. */
const COST_DECIMALS = 8;

/** A USD amount rounded to {@link COST_DECIMALS} places, so a record never shows float noise (`0.0000068999…`). */
export function roundUsd(usd: number): number {
  return Number(usd.toFixed(COST_DECIMALS));
}

/** A cost source that also says whether its figure is a tokenizer estimate (`TokenCostCallbackHandler`). */
interface DetailedCostSource {
  costDetailOfLLMResult(output: unknown, hint: CostHint): { usd: number; estimated: boolean } | undefined;
}

/**
 * The handler's cost: USD and whether it is an estimate (a provider that reported no usage, priced by the cost
 * source's tokenizer estimate). The run id rides in the hint so the source can estimate before its own end.
 */
export function costOf(option: CostOption | undefined, owner: string): CostOfCall | undefined {
  const plain = resolveCostSource(option, owner);
  if (plain === undefined) return undefined;
  const detailed = option as Partial<DetailedCostSource>;
  if (typeof detailed.costDetailOfLLMResult !== "function") {
    return (output, hint) => {
      const usd = plain(output, hint);
      return usd === undefined ? undefined : { usd, estimated: false };
    };
  }
  return (output, hint) => {
    const answer: unknown = detailed.costDetailOfLLMResult?.(output, hint);
    const usd = (answer as { usd?: unknown } | undefined)?.usd;
    if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) return undefined;
    return { usd, estimated: (answer as { estimated?: unknown }).estimated === true };
  };
}

/** USD of one call and whether it is an estimate, or undefined when it cannot be priced. */
export type CostOfCall = (
  output: unknown,
  hint: CostHint & { runId: string },
) => { usd: number; estimated: boolean } | undefined;

/** Adds `cost_usd` (and `cost_estimated`) from the cost source; a throwing source is reported, the record written. */
export function addCost(
  record: LogRecord,
  cost: CostOfCall,
  output: unknown,
  run: TrackedRun<unknown>,
  guard: HandlerGuard,
): void {
  try {
    const answer = cost(output, { model: run.model, provider: run.provider, runId: run.runId });
    if (answer === undefined) return;
    record.cost_usd = roundUsd(answer.usd);
    if (answer.estimated) record.cost_estimated = true;
  } catch (error) {
    guard.report("cost", error);
  }
}
