import { handlerOptionShape, type OptionShape } from "@chainwatch/core";

/** The keys of a custom price (`prices[i]`); `model` may be genai-prices match logic, `prices` a rate map. */
const PRICE_SHAPE: OptionShape = { model: true, provider: true, prices: true };

/** The keys of the `budget` option. */
export const BUDGET_OPTION_SHAPE: OptionShape = {
  perTraceUsd: true,
  totalUsd: true,
  onExceed: true,
  onBudgetExceeded: true,
  window: true,
  scope: true,
  store: true,
  onStoreError: true,
  storeTimeoutMs: true,
  maxOutputTokens: true,
  reservationTtlMs: true,
};

/** Every key `TokenCostCallbackHandler` and `trackCost` accept, nested ones included. */
export const TOKEN_COST_OPTION_SHAPE: OptionShape = handlerOptionShape({
  prices: PRICE_SHAPE,
  budget: BUDGET_OPTION_SHAPE,
  onRecord: true,
  estimate: true,
  maxTraces: true,
  maxRecords: true,
  clock: true,
});

/** The keys of `computeCost`'s input (`usage` is checked by shape when it is priced). */
export const COMPUTE_COST_SHAPE: OptionShape = {
  model: true,
  provider: true,
  usage: true,
  at: true,
  prices: PRICE_SHAPE,
};
