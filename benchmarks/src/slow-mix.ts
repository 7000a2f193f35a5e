import type { ManualClock } from "@chainwatch/testkit";
import { InProcessChatModel, type InProcessChatModelOptions } from "@chainwatch/testkit";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Registry } from "prom-client";

/**
 * Holds calls until a manual clock reaches their due time: a call "takes" `delayMs` of clock time while the rest
 * of the workload goes on, without a real timer (so a soak of thousands of slow calls costs no wall time).
 */
export class ClockGate {
  /** Due times are start + a fixed delay on a clock that only moves forward: FIFO is due order. */
  private readonly waiting: { due: number; release: () => void }[] = [];
  private head = 0;

  constructor(private readonly clock: ManualClock) {}

  /** Calls held now. */
  get pending(): number {
    return this.waiting.length - this.head;
  }

  /** Resolves once {@link release} runs with the clock at or past `delayMs` from now. */
  wait(delayMs: number): Promise<void> {
    const due = this.clock.now() + delayMs;
    return new Promise((release) => {
      this.waiting.push({ due, release });
    });
  }

  /** Lets every call whose time has come go on. */
  release(): void {
    const now = this.clock.now();
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head];
      if (next === undefined || next.due > now) break;
      next.release();
      this.head++;
    }
    // Compact now and then so the queue does not grow with the soak.
    if (this.head > 1_024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Options of {@link SlowChatModel}. */
export interface SlowChatModelOptions extends InProcessChatModelOptions {
  gate: ClockGate;
  /** Clock time the call waits for its provider before answering. */
  delayMs: number;
  /** Fails after the wait (as a provider's 500 would) instead of answering. @default false */
  fails?: boolean;
}

/** An in-process chat model whose answer (or failure) comes `delayMs` of clock time after its start. */
export class SlowChatModel extends InProcessChatModel {
  private readonly gate: ClockGate;
  private readonly delayMs: number;
  private readonly fails: boolean;

  constructor(options: SlowChatModelOptions) {
    const { gate, delayMs, fails, ...rest } = options;
    super(rest);
    this.gate = gate;
    this.delayMs = delayMs;
    this.fails = fails ?? false;
  }

  static override lc_name(): string {
    return "SlowChatModel";
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    await this.gate.wait(this.delayMs);
    if (this.fails) throw Object.assign(new Error("upstream failed after a long wait"), { status: 500 });
    return super._generate(messages);
  }
}

/** What the `llm.*` records of a pino log add up to. */
export interface LogTally {
  ends: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Records that were not JSON (there must be none). */
  unparsed: number;
}

/**
 * A pino destination that keeps running sums of the model-call records and nothing else: a soak's log can be
 * checked against the metrics and the cost handler without holding it in memory.
 */
export function tallyingDestination(): { write(line: string): void; tally: LogTally } {
  const tally: LogTally = { ends: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unparsed: 0 };
  return {
    tally,
    write(line: string) {
      let record: { msg?: string; usage?: { input?: number; output?: number }; cost_usd?: number };
      try {
        record = JSON.parse(line);
      } catch {
        tally.unparsed++;
        return;
      }
      if (record.msg === "llm.error") tally.errors++;
      if (record.msg !== "llm.end") return;
      tally.ends++;
      tally.inputTokens += record.usage?.input ?? 0;
      tally.outputTokens += record.usage?.output ?? 0;
      tally.costUsd += record.cost_usd ?? 0;
    },
  };
}

/**
 * The sum of a metric's samples whose labels include `labels`, from the registry (0 when the metric is not
 * registered); `series` picks one series of a histogram (`<name>_count`, `<name>_sum`).
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
  series = name,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = (await metric.get()) as {
    values: { metricName?: string; labels: Record<string, string | number>; value: number }[];
  };
  return values
    .filter((sample) => (sample.metricName ?? name) === series)
    .filter((sample) => Object.entries(labels).every(([key, value]) => String(sample.labels[key]) === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}
