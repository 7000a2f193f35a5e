import {
  ChainwatchCallbackHandler,
  type CostHint,
  type CostSource,
  chainRunType,
  type EvictionReason,
  responseModel,
  type TrackedRun,
  usageFromMessage,
} from "@chainwatch/core";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { Budget, type Hold } from "./budget.js";
import { buildRecord, type MeasuredUsage } from "./call-record.js";
import { countsFromUsage } from "./counts.js";
import { CostLedger } from "./ledger.js";
import { PriceBook } from "./prices.js";
import { type CallState, Pricing } from "./pricing.js";
import { reservationUsd } from "./reservation.js";
import type { CallCostRecord, CostTotals, TokenCostCallbackHandlerOptions } from "./types.js";

/** LLM runs evicted without an end (slow or abandoned), kept so that a late end or error is still charged. */
const MAX_EVICTED = 1_000;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `TokenCostCallbackHandler: ${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Exact token and USD accounting for LangChain.js: one {@link CallCostRecord} per LLM call, totals overall, by
 * model and per run tree, and budgets that reserve a call's most possible cost before its request leaves.
 *
 * Prices come from `@pydantic/genai-prices`' bundled data (no network), overridable with `prices`. A call that
 * cannot be priced gets `cost: null` and a reason, never 0.
 *
 * @example
 * ```ts
 * const cost = new TokenCostCallbackHandler({ budget: { perTraceUsd: 0.5 } });
 * await chain.invoke(input, { callbacks: [cost] });
 * await awaitAllCallbacks();
 * process.stdout.write(cost.table());
 * ```
 */
export class TokenCostCallbackHandler
  extends ChainwatchCallbackHandler<CallState | undefined>
  implements CostSource
{
  name = "token_cost";

  private readonly prices: PriceBook;
  private readonly pricing: Pricing;
  private readonly budget: Budget;
  private readonly onRecord: ((record: CallCostRecord) => void) | undefined;
  private readonly clock: () => Date;
  private readonly ledger: CostLedger;
  private readonly evicted = new Map<string, TrackedRun<CallState | undefined>>();

  constructor(options: TokenCostCallbackHandlerOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`TokenCostCallbackHandler: options must be an object, got ${String(options)}`);
    }
    const maxTraces = positiveInteger("maxTraces", options.maxTraces, 1_000);
    let report: (where: string, error: unknown) => void = () => {};
    const budget = new Budget(options.budget, maxTraces, (where, error) => report(where, error));
    // Blocking a call needs raiseError passed to the base constructor, which also makes LangChain await us.
    super("token_cost", options, budget.blocks ? { raiseError: true } : undefined);
    report = (where, error) => this.guard.report(where, error);
    this.budget = budget;
    this.prices = new PriceBook(options.prices);
    if (options.onRecord !== undefined && typeof options.onRecord !== "function") {
      throw new TypeError(
        `TokenCostCallbackHandler: onRecord must be a function, got ${String(options.onRecord)}`,
      );
    }
    this.onRecord = options.onRecord;
    this.clock = options.clock ?? (() => new Date());
    this.pricing = new Pricing(this.prices, options.estimate ?? true, this.clock, report);
    this.ledger = new CostLedger(maxTraces, positiveInteger("maxRecords", options.maxRecords, 100));
  }

  /** Totals of every call this handler saw. */
  get totals(): CostTotals {
    return this.ledger.totals();
  }

  /** Shortcut for `totals.costUsd`: USD of the priced calls (estimates included). */
  get costUsd(): number {
    return this.ledger.costUsd;
  }

  /** Totals by model (the model each call was priced as), most recently used last. */
  byModel(): Map<string, CostTotals> {
    return this.ledger.byModel();
  }

  /**
   * Totals of one run tree: every LLM call under that root, including calls inside tools and sub-agents. Pass the
   * root's run id (a record's `traceId`), or the id of any run of the tree still in progress. Undefined when no
   * call of that tree was recorded, or the tree was dropped past `maxTraces`.
   */
  forTrace(runId: string): CostTotals | undefined {
    return this.ledger.forTrace(this.runs.get(runId)?.traceId ?? runId);
  }

  /** Ids of the traces held, next to be dropped first. */
  traceIds(): string[] {
    return this.ledger.traceIds();
  }

  /** The most recent call records (up to `maxRecords`), oldest first. */
  get records(): CallCostRecord[] {
    return this.ledger.records();
  }

  /** A plain-text cost table by model, for terminals. */
  table(): string {
    return this.ledger.table();
  }

  /**
   * USD of one call from its LLM result ({@link CostSource}, for `PrometheusCallbackHandler` and
   * `PinoCallbackHandler`'s `cost` option), with this handler's prices: the provider's usage, or, when it
   * reported none, the same tokenizer estimate this handler records (see {@link costDetailOfLLMResult}), so that
   * the three figures agree. Cached per result object. Undefined when the call cannot be priced.
   */
  costOfLLMResult(output: unknown, hint: CostHint = {}): number | undefined {
    return this.pricing.ofResult(output, hint, this.runs)?.usd;
  }

  /** Like {@link costOfLLMResult}, and whether the figure is a tokenizer estimate (no usage from the provider). */
  costDetailOfLLMResult(
    output: unknown,
    hint: CostHint = {},
  ): { usd: number; estimated: boolean } | undefined {
    return this.pricing.ofResult(output, hint, this.runs);
  }

  /** Forgets every record and total (runs in progress are still tracked, budget spend is the store's). */
  reset(): void {
    this.ledger.reset();
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void | Promise<void> {
    const run = this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, undefined);
    return this.startCall(run, messages, extraParams);
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void | Promise<void> {
    const run = this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, undefined);
    return this.startCall(run, prompts, extraParams);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void | Promise<void> {
    const run = this.endLLM(runId);
    if (run === undefined) return;
    const model = responseModel(output) ?? run.model;
    const measured = this.pricing.measure(output, run, model);
    if (measured instanceof Promise) return measured.then((m) => this.record(run, model, m, output));
    this.record(run, model, measured, output);
  }

  override handleLLMError(error: unknown, runId: string): void {
    const run = this.endLLM(runId);
    if (run === undefined) return;
    // A failed attempt costs nothing, unless the provider reported usage for it.
    const usage = usageFromMessage(error);
    if (usage === undefined) {
      this.budget.release(run.state?.holds ?? [], run.runId);
      this.ledger.addFailure(run.traceId);
      return;
    }
    const invalid = usage.invalid.length > 0;
    const measured: MeasuredUsage = {
      tokens: countsFromUsage(usage),
      estimated: false,
      invalidUsage: usage.invalid,
      status: "error",
      unpriced: invalid ? "invalid_usage" : undefined,
    };
    this.record(run, run.model, measured, undefined);
  }

  override handleChainStart(
    chain: Serialized,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void {
    // Chains and tools are tracked only so that calls under them roll up to their root trace.
    this.trackStart(chainRunType(runType), chain, runId, parentRunId, tags, metadata, runName, undefined);
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.runs.end(runId);
  }

  override handleChainError(_error: unknown, runId: string): void {
    this.runs.end(runId);
  }

  override handleToolStart(
    tool: Serialized,
    _input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.trackStart("tool", tool, runId, parentRunId, tags, metadata, runName, undefined);
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.runs.end(runId);
  }

  override handleToolError(_error: unknown, runId: string): void {
    this.runs.end(runId);
  }

  /**
   * A call evicted without an end may only be slow: it is kept (bounded) so that its late end or error is still
   * charged, and a budget never under-counts. Its reservation holds until then, or until it expires.
   */
  protected override onRunEvicted(run: TrackedRun<CallState | undefined>, _reason: EvictionReason): void {
    if (run.runType !== "llm") return;
    if (this.evicted.size >= MAX_EVICTED) {
      const oldest = this.evicted.keys().next();
      if (oldest.done !== true) this.evicted.delete(oldest.value);
    }
    this.evicted.set(run.runId, run);
  }

  private endLLM(runId: string): TrackedRun<CallState | undefined> | undefined {
    const run = this.runs.end(runId);
    if (run !== undefined) return run;
    const late = this.evicted.get(runId);
    if (late !== undefined) this.evicted.delete(runId);
    return late;
  }

  private startCall(
    run: TrackedRun<CallState | undefined>,
    prompts: unknown,
    extraParams: unknown,
  ): void | Promise<void> {
    const state = this.pricing.startState(run.model, prompts);
    run.state = state;
    if (!this.budget.active) return;
    const at = this.clock();
    const amount = reservationUsd(
      this.prices,
      run.model,
      run.provider,
      prompts,
      extraParams,
      this.budget.maxOutputTokens,
      at,
    );
    const keep = (holds: Hold[]): void => {
      if (state !== undefined) state.holds = holds;
      else run.state = { prompts: undefined, holds };
    };
    // A refused call never starts, so no end event will release its run.
    const refused = (error: unknown): never => {
      this.runs.end(run.runId);
      throw error;
    };
    let pending: Hold[] | Promise<Hold[]>;
    try {
      pending = this.budget.reserve(run, amount, at.getTime());
    } catch (error) {
      return refused(error);
    }
    if (Array.isArray(pending)) return keep(pending);
    return pending.then(keep, refused);
  }

  private record(
    run: TrackedRun<CallState | undefined>,
    model: string | undefined,
    measured: MeasuredUsage,
    output: unknown,
  ): void {
    const priced = this.pricing.priceOf(output, model, run.provider, measured);
    const record = buildRecord(run, model, measured, this.prices, this.clock(), priced);
    this.ledger.add(record);
    if (this.budget.active) {
      this.budget.settle(run.state?.holds ?? [], run.runId, record.cost?.totalUsd, this.clock().getTime());
    }
    if (this.onRecord !== undefined) {
      try {
        this.onRecord(record);
      } catch (error) {
        this.guard.report("onRecord", error);
      }
    }
  }
}
