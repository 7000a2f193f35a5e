export { BudgetExceededError } from "./budget.js";
export type {
  BudgetDecision,
  BudgetDecisionBase,
  BudgetDecisionListener,
  BudgetExceededDecision,
  BudgetExpiredDecision,
  BudgetLimitKind,
  BudgetRefusedDecision,
  BudgetReleasedDecision,
  BudgetReservedDecision,
  BudgetSettledDecision,
} from "./budget-decision.js";
export {
  type BudgetReserveRequest,
  type BudgetReserveResult,
  type BudgetSettleRequest,
  type BudgetStore,
  BudgetStoreError,
  type BudgetUsage,
  MemoryBudgetStore,
} from "./budget-store.js";
export { computeCost } from "./compute.js";
export { TokenCostCallbackHandler } from "./handler.js";
export { roundUsd, USD_DECIMALS } from "./money.js";
export { BUDGET_OPTION_SHAPE, COMPUTE_COST_SHAPE, TOKEN_COST_OPTION_SHAPE } from "./options.js";
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
