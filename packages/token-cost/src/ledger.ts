import { formatCostTable } from "./table.js";
import { addRecord, BoundedTotals, copyTotals, emptyTotals } from "./totals.js";
import { TraceTotals } from "./trace-totals.js";
import type { CallCostRecord, CostTotals } from "./types.js";

/**
 * What a handler has counted: exact totals, totals by model and per trace (both bounded), and a ring of the most
 * recent records. Every read returns a copy.
 */
export class CostLedger {
  private readonly total = emptyTotals();
  private readonly models: BoundedTotals;
  private readonly traces: TraceTotals;
  private readonly recent: CallCostRecord[] = [];
  private recentNext = 0;

  constructor(
    maxTraces: number,
    private readonly maxRecords: number,
  ) {
    this.traces = new TraceTotals(maxTraces);
    // Model names come from responses: bound them too.
    this.models = new BoundedTotals(Math.max(maxTraces, 1_000));
  }

  /** Counts a priced (or unpriced) call everywhere. */
  add(record: CallCostRecord): void {
    addRecord(this.total, record);
    addRecord(this.models.touch(record.model ?? "(unknown model)"), record);
    this.traces.add(record.traceId, record);
    if (this.recent.length < this.maxRecords) {
      this.recent.push(record);
    } else {
      this.recent[this.recentNext] = record;
      this.recentNext = (this.recentNext + 1) % this.maxRecords;
    }
  }

  /** Counts a failed call that reported no usage (it costs nothing). */
  addFailure(traceId: string): void {
    this.total.failedCalls++;
    this.traces.addFailure(traceId);
  }

  /** USD of the priced calls so far. */
  get costUsd(): number {
    return this.total.costUsd;
  }

  /** USD of a trace's priced calls so far (0 for a trace not held). */
  traceCostUsd(traceId: string): number {
    return this.traces.costUsd(traceId);
  }

  totals(): CostTotals {
    return copyTotals(this.total);
  }

  byModel(): Map<string, CostTotals> {
    return this.models.entriesCopy();
  }

  forTrace(traceId: string): CostTotals | undefined {
    return this.traces.get(traceId);
  }

  traceIds(): string[] {
    return this.traces.keys();
  }

  records(): CallCostRecord[] {
    if (this.recent.length < this.maxRecords) return [...this.recent];
    return [...this.recent.slice(this.recentNext), ...this.recent.slice(0, this.recentNext)];
  }

  table(): string {
    return formatCostTable(this.models.entriesCopy(), this.total);
  }

  reset(): void {
    Object.assign(this.total, emptyTotals());
    this.models.clear();
    this.traces.clear();
    this.recent.length = 0;
    this.recentNext = 0;
  }
}
