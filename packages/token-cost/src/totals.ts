import { addCounts, zeroCounts } from "./counts.js";
import { roundUsd } from "./money.js";
import type { CallCostRecord, CostBreakdown, CostTotals } from "./types.js";

function zeroCost(): CostBreakdown {
  return {
    inputUsd: 0,
    cacheReadUsd: 0,
    cacheWriteUsd: 0,
    outputUsd: 0,
    reasoningUsd: 0,
    otherUsd: 0,
    totalUsd: 0,
  };
}

/** Empty totals. */
export function emptyTotals(): CostTotals {
  return {
    calls: 0,
    pricedCalls: 0,
    unpricedCalls: 0,
    estimatedCalls: 0,
    failedCalls: 0,
    tokens: zeroCounts(),
    cost: zeroCost(),
    costUsd: 0,
  };
}

/** Adds one call record to running totals. */
export function addRecord(totals: CostTotals, record: CallCostRecord): void {
  totals.calls++;
  if (record.estimated) totals.estimatedCalls++;
  addCounts(totals.tokens, record.tokens);
  const cost = record.cost;
  if (cost === null) {
    totals.unpricedCalls++;
    return;
  }
  totals.pricedCalls++;
  const sum = totals.cost;
  sum.inputUsd = roundUsd(sum.inputUsd + cost.inputUsd);
  sum.cacheReadUsd = roundUsd(sum.cacheReadUsd + cost.cacheReadUsd);
  sum.cacheWriteUsd = roundUsd(sum.cacheWriteUsd + cost.cacheWriteUsd);
  sum.outputUsd = roundUsd(sum.outputUsd + cost.outputUsd);
  sum.reasoningUsd = roundUsd(sum.reasoningUsd + cost.reasoningUsd);
  sum.otherUsd = roundUsd(sum.otherUsd + cost.otherUsd);
  sum.totalUsd = roundUsd(sum.totalUsd + cost.totalUsd);
  totals.costUsd = sum.totalUsd;
}

/** A deep copy, so callers can keep a snapshot while the handler goes on counting. */
export function copyTotals(totals: CostTotals): CostTotals {
  return { ...totals, tokens: { ...totals.tokens }, cost: { ...totals.cost } };
}

/**
 * Totals keyed by a string (a model, a trace), with at most `max` keys: past it, the least recently updated key
 * is dropped. A Map keeps insertion order, and every update re-inserts its key.
 */
export class BoundedTotals {
  private readonly entries = new Map<string, CostTotals>();
  private lastKey: string | undefined;
  private lastTotals: CostTotals | undefined;

  constructor(readonly max: number) {}

  /** The totals for a key, created (and made most recent) on demand. */
  touch(key: string): CostTotals {
    // The same key again (one model, one agent run) is already the most recent: skip the re-insertion.
    if (key === this.lastKey && this.lastTotals !== undefined) return this.lastTotals;
    let totals = this.entries.get(key);
    if (totals === undefined) {
      totals = emptyTotals();
      if (this.entries.size >= this.max) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
    } else {
      this.entries.delete(key);
    }
    this.entries.set(key, totals);
    this.lastKey = key;
    this.lastTotals = totals;
    return totals;
  }

  /** A copy of every key's totals, least recently updated first. */
  entriesCopy(): Map<string, CostTotals> {
    const copy = new Map<string, CostTotals>();
    for (const [key, totals] of this.entries) copy.set(key, copyTotals(totals));
    return copy;
  }

  clear(): void {
    this.entries.clear();
    this.lastKey = undefined;
    this.lastTotals = undefined;
  }
}
