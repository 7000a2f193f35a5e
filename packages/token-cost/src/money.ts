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
 * USD for people: two decimals from $1 up (`$12.35`); below, six decimals (`$0.001508`, `$0.000503`), or more for
 * amounts under $0.00001 so that two significant digits show (`$0.0000047`, never `$0.000005` or
 * `$0.0000046499999999999995`); `$0` for zero. Rounded half up on the decimal value, not on its binary neighbour.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return `$${String(usd)}`;
  if (usd === 0) return "$0";
  const sign = usd < 0 ? "-" : "";
  const abs = Math.abs(usd);
  const places = abs >= 1 ? 2 : Math.min(USD_DECIMALS, Math.max(6, 1 - Math.floor(Math.log10(abs))));
  // In integer units of $1e-10 the amount is exact; dividing by a power of ten rounds on the decimal digits.
  const units = Math.round(abs * SCALE);
  if (units === 0) return `${sign}$${abs.toExponential(1)}`;
  const kept = Math.round(units / 10 ** (USD_DECIMALS - places));
  const digits = String(kept).padStart(places + 1, "0");
  return `${sign}$${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
