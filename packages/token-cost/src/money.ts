import type { CostBreakdown } from "./types.js";

/**
 * Money is rounded where it is computed, to {@link USD_DECIMALS} decimal places of a dollar (a resolution of
 * $0.0000000001, far below the price of one token of any model), so sums read as decimals rather than float noise.
 */
export const USD_DECIMALS = 10;
const SCALE = 10 ** USD_DECIMALS;

/** USD rounded to {@link USD_DECIMALS} places: `0.0000046499999999999995` → `0.00000465`. */
export function roundUsd(usd: number): number {
  // An integer count of 1e-10 $ divided by an exact power of ten is the double nearest that decimal.
  return Math.round(usd * SCALE) / SCALE;
}

/** The same breakdown with every part rounded by {@link roundUsd}. */
export function roundBreakdown(cost: CostBreakdown): CostBreakdown {
  return {
    inputUsd: roundUsd(cost.inputUsd),
    cacheReadUsd: roundUsd(cost.cacheReadUsd),
    cacheWriteUsd: roundUsd(cost.cacheWriteUsd),
    outputUsd: roundUsd(cost.outputUsd),
    reasoningUsd: roundUsd(cost.reasoningUsd),
    otherUsd: roundUsd(cost.otherUsd),
    totalUsd: roundUsd(cost.totalUsd),
  };
}

/**
 * USD for people: two decimals from $1 up (`$12.35`); below, four significant digits with trailing zeros dropped
 * but at least two decimals (`$0.00000465`, `$0.0021`, `$0.50`); `$0` for zero.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return `$${String(usd)}`;
  if (usd === 0) return "$0";
  const sign = usd < 0 ? "-" : "";
  const abs = Math.abs(usd);
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  if (abs < 10 ** -USD_DECIMALS) return `${sign}$${abs.toExponential(1)}`;
  const places = Math.min(USD_DECIMALS, Math.max(2, 3 - Math.floor(Math.log10(abs))));
  const text = abs.toFixed(places).replace(/0+$/, "");
  const decimals = text.length - text.indexOf(".") - 1;
  return `${sign}$${decimals < 2 ? `${text}${"0".repeat(2 - decimals)}` : text}`;
}
