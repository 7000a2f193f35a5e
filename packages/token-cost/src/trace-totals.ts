import { roundUsd } from "./money.js";
import type { CallCostRecord, CostTotals } from "./types.js";

/** Fields of one trace's totals, in slot order. */
const TRACE_FIELDS = 20;
const CALLS = 0;
const PRICED = 1;
const UNPRICED = 2;
const ESTIMATED = 3;
const FAILED = 4;
const TOKENS = 5; // 8 token counts, in TokenCounts order
const COST = 13; // 7 USD parts, in CostBreakdown order

/**
 * Totals per trace for up to `max` traces. Every root `invoke` is a trace, so this sits on the per-call path: the
 * numbers live in one growable Float64Array (a slot per trace) instead of objects per trace, and eviction is the
 * CLOCK algorithm (a trace active since the hand last passed gets a second chance), so a new trace costs a map
 * insert and delete, never a scan. The trace dropped is one of the least recently active, not always the very least.
 */
export class TraceTotals {
  private readonly slots = new Map<string, number>();
  /** Trace id in each slot. */
  private readonly keysBySlot: (string | undefined)[] = [];
  private values = new Float64Array(0);
  private referenced = new Uint8Array(0);
  private hand = 0;
  private lastKey: string | undefined;
  private lastSlot = -1;

  constructor(readonly max: number) {}

  /** Adds a call record to its trace (created on demand). */
  add(key: string, record: CallCostRecord): void {
    const base = this.slot(key) * TRACE_FIELDS;
    const values = this.values;
    values[base + CALLS] = (values[base + CALLS] ?? 0) + 1;
    if (record.estimated) values[base + ESTIMATED] = (values[base + ESTIMATED] ?? 0) + 1;
    const tokens = record.tokens;
    values[base + TOKENS] = (values[base + TOKENS] ?? 0) + tokens.inputTokens;
    values[base + TOKENS + 1] = (values[base + TOKENS + 1] ?? 0) + tokens.cacheReadTokens;
    values[base + TOKENS + 2] = (values[base + TOKENS + 2] ?? 0) + tokens.cacheWriteTokens;
    values[base + TOKENS + 3] = (values[base + TOKENS + 3] ?? 0) + tokens.outputTokens;
    values[base + TOKENS + 4] = (values[base + TOKENS + 4] ?? 0) + tokens.reasoningTokens;
    values[base + TOKENS + 5] = (values[base + TOKENS + 5] ?? 0) + tokens.inputAudioTokens;
    values[base + TOKENS + 6] = (values[base + TOKENS + 6] ?? 0) + tokens.outputAudioTokens;
    values[base + TOKENS + 7] = (values[base + TOKENS + 7] ?? 0) + tokens.totalTokens;
    const cost = record.cost;
    if (cost === null) {
      values[base + UNPRICED] = (values[base + UNPRICED] ?? 0) + 1;
      return;
    }
    values[base + PRICED] = (values[base + PRICED] ?? 0) + 1;
    values[base + COST] = roundUsd((values[base + COST] ?? 0) + cost.inputUsd);
    values[base + COST + 1] = roundUsd((values[base + COST + 1] ?? 0) + cost.cacheReadUsd);
    values[base + COST + 2] = roundUsd((values[base + COST + 2] ?? 0) + cost.cacheWriteUsd);
    values[base + COST + 3] = roundUsd((values[base + COST + 3] ?? 0) + cost.outputUsd);
    values[base + COST + 4] = roundUsd((values[base + COST + 4] ?? 0) + cost.reasoningUsd);
    values[base + COST + 5] = roundUsd((values[base + COST + 5] ?? 0) + cost.otherUsd);
    values[base + COST + 6] = roundUsd((values[base + COST + 6] ?? 0) + cost.totalUsd);
  }

  /** Counts a failed call (no usage reported) in its trace. */
  addFailure(key: string): void {
    const index = this.slot(key) * TRACE_FIELDS + FAILED;
    this.values[index] = (this.values[index] ?? 0) + 1;
  }

  /** USD spent so far in a trace (0 when unknown). */
  costUsd(key: string): number {
    const slot = this.slots.get(key);
    return slot === undefined ? 0 : (this.values[slot * TRACE_FIELDS + COST + 6] ?? 0);
  }

  /** A copy of a trace's totals, or undefined when the trace is not held. */
  get(key: string): CostTotals | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const at = (field: number): number => this.values[slot * TRACE_FIELDS + field] ?? 0;
    const costUsd = at(COST + 6);
    return {
      calls: at(CALLS),
      pricedCalls: at(PRICED),
      unpricedCalls: at(UNPRICED),
      estimatedCalls: at(ESTIMATED),
      failedCalls: at(FAILED),
      tokens: {
        inputTokens: at(TOKENS),
        cacheReadTokens: at(TOKENS + 1),
        cacheWriteTokens: at(TOKENS + 2),
        outputTokens: at(TOKENS + 3),
        reasoningTokens: at(TOKENS + 4),
        inputAudioTokens: at(TOKENS + 5),
        outputAudioTokens: at(TOKENS + 6),
        totalTokens: at(TOKENS + 7),
      },
      cost: {
        inputUsd: at(COST),
        cacheReadUsd: at(COST + 1),
        cacheWriteUsd: at(COST + 2),
        outputUsd: at(COST + 3),
        reasoningUsd: at(COST + 4),
        otherUsd: at(COST + 5),
        totalUsd: costUsd,
      },
      costUsd,
    };
  }

  get size(): number {
    return this.slots.size;
  }

  /** Trace ids held, in eviction order (next to be dropped first). */
  keys(): string[] {
    const keys: string[] = [];
    const count = this.keysBySlot.length;
    for (let offset = 0; offset < count; offset++) {
      const key = this.keysBySlot[(this.hand + offset) % count];
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }

  clear(): void {
    this.slots.clear();
    this.keysBySlot.length = 0;
    this.values = new Float64Array(0);
    this.referenced = new Uint8Array(0);
    this.hand = 0;
    this.lastKey = undefined;
    this.lastSlot = -1;
  }

  private slot(key: string): number {
    if (key === this.lastKey) return this.lastSlot;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.keysBySlot.length < this.max ? this.grow() : this.evict();
      this.values.fill(0, slot * TRACE_FIELDS, (slot + 1) * TRACE_FIELDS);
      this.referenced[slot] = 0;
      this.keysBySlot[slot] = key;
      this.slots.set(key, slot);
    } else {
      this.referenced[slot] = 1;
    }
    this.lastKey = key;
    this.lastSlot = slot;
    return slot;
  }

  /** Frees the slot under the clock hand, skipping (and clearing) slots used since the hand last passed. */
  private evict(): number {
    const count = this.keysBySlot.length;
    for (;;) {
      const slot = this.hand;
      this.hand = (this.hand + 1) % count;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      const old = this.keysBySlot[slot];
      if (old !== undefined) this.slots.delete(old);
      if (old === this.lastKey) this.lastKey = undefined;
      return slot;
    }
  }

  private grow(): number {
    const slot = this.keysBySlot.length;
    if ((slot + 1) * TRACE_FIELDS > this.values.length) {
      const capacity = Math.min(this.max, Math.max(16, slot * 2));
      const values = new Float64Array(capacity * TRACE_FIELDS);
      values.set(this.values);
      this.values = values;
      const referenced = new Uint8Array(capacity);
      referenced.set(this.referenced);
      this.referenced = referenced;
    }
    this.keysBySlot.push(undefined);
    return slot;
  }
}
