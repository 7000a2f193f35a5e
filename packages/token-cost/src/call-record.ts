import type { TrackedRun } from "@chainwatch/core";
import type { PriceBook } from "./prices.js";
import type { CallCostRecord, CostResult, TokenCounts, UnpricedReason } from "./types.js";

/** What a call's end told about its tokens, before pricing. */
export interface MeasuredUsage {
  tokens: TokenCounts;
  estimated: boolean;
  /** Usage fields the provider sent that were unusable. */
  invalidUsage: string[];
  status: CallCostRecord["status"];
  /** Set when the call must not be priced (no usage, unusable counts). */
  unpriced: UnpricedReason | undefined;
}

function refused(measured: MeasuredUsage, reason: UnpricedReason): CostResult {
  return {
    cost: null,
    price: null,
    reason,
    detail:
      reason === "no_usage"
        ? "the provider reported no token usage, and it was not estimated (estimation off or failed)"
        : `the provider reported unusable token counts: ${measured.invalidUsage.join(", ")}`,
  };
}

/** Prices a finished call (unless `alreadyPriced` says what it cost) and builds its record. Never throws. */
export function buildRecord(
  run: TrackedRun<unknown>,
  model: string | undefined,
  measured: MeasuredUsage,
  prices: PriceBook,
  at: Date,
  alreadyPriced?: CostResult,
): CallCostRecord {
  const priced =
    measured.unpriced !== undefined
      ? refused(measured, measured.unpriced)
      : (alreadyPriced ?? prices.price(model, run.provider, measured.tokens, at));
  return {
    runId: run.runId,
    parentRunId: run.parentRunId,
    traceId: run.traceId,
    model,
    requestedModel: run.model,
    provider: run.provider,
    tokens: measured.tokens,
    estimated: measured.estimated,
    cost: priced.cost,
    price: priced.price,
    reason: priced.reason,
    detail: priced.detail,
    invalidUsage: measured.invalidUsage,
    status: measured.status,
    at,
  };
}
