export { BudgetExceededError } from "./budget.js";
export { computeCost } from "./compute.js";
export { TokenCostCallbackHandler } from "./handler.js";
export { type RefreshPricesOptions, refreshPrices } from "./refresh.js";
export { type TrackedCost, trackCost } from "./scope.js";
export { formatCostTable, formatUsd } from "./table.js";
export type {
  BudgetAction,
  BudgetEvent,
  BudgetOptions,
  CallCostRecord,
  ComputeCostInput,
  CostBreakdown,
  CostResult,
  CostTotals,
  CustomPrice,
  PriceMatch,
  TokenCostCallbackHandlerOptions,
  TokenCounts,
  UnpricedReason,
} from "./types.js";
