import {
  ChainwatchCallbackHandler,
  type CostHint,
  type CostSource,
  type EvictionReason,
  type ModelStartInput,
  type RunType,
  responseModel,
  type TrackedRun,
  usageFromMessage,
  validateOptions,
} from "@chainwatch/core";
import type { LLMResult } from "@langchain/core/outputs";
import { Budget, type Hold } from "./budget.js";
import type { BudgetDecision, BudgetDecisionListener } from "./budget-decision.js";
import { buildRecord, type MeasuredUsage } from "./call-record.js";
import { countsFromUsage } from "./counts.js";
import { CostLedger } from "./ledger.js";
import { TOKEN_COST_OPTION_SHAPE } from "./options.js";
import { PriceBook } from "./prices.js";
import { type CallState, Pricing } from "./pricing.js";
import { reservationUsd } from "./reservation.js";
import type { CallCostRecord, CostTotals, TokenCostCallbackHandlerOptions } from "./types.js";

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
  /** Records no content (prompts, outputs, tokens): `withRedaction` (`@chainwatch/pii-redact`) passes it none to redact. */
  readonly recordedContent = { content: "none" } as const;

  private readonly prices: PriceBook;
  private readonly pricing: Pricing;
  private readonly budget: Budget;
  private readonly onRecord: ((record: CallCostRecord) => void) | undefined;
  private readonly clock: () => Date;
  private readonly ledger: CostLedger;

  constructor(options: TokenCostCallbackHandlerOptions = {}) {
    validateOptions("TokenCostCallbackHandler", options, TOKEN_COST_OPTION_SHAPE);
    const maxTraces = positiveInteger("maxTraces", options.maxTraces, 1_000);
    let report: (where: string, error: unknown) => void = () => {};
    const budget = new Budget(options.budget, maxTraces, (where, error) => report(where, error));
    // Blocking a call needs raiseError passed to the base constructor, which also makes LangChain await us.
    // The run tree is tracked so that calls inside chains and tools roll up to their root trace.
    super("token_cost", options, budget.blocks ? { raiseError: true } : undefined, { runTree: true });
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

  /**
   * Tells `listener` of every budget decision from now on (see {@link BudgetDecision}, and the README's "Budget
   * decisions"): `reserved`, then `settled`, `released` or `expired`; `refused`; `exceeded`. Called synchronously
   * where the decision is made (with a Redis store, once it answered); a throwing listener is reported through
   * `onHandlerError` and the call goes on. `PrometheusCallbackHandler` and `PinoCallbackHandler` subscribe when
   * given this handler as their `cost`. Nothing is built while nobody listens.
   * @returns a function that removes the listener
   * @example
   * ```ts
   * const stop = cost.onBudgetDecision((d) => d.type === "refused" && console.warn(d.limit, d.reason));
   * ```
   */
  onBudgetDecision(listener: BudgetDecisionListener): () => void {
    return this.budget.decisions.add(listener);
  }

  /** The limits of this handler's budget in USD (undefined when not set), for exporters of budget figures. */
  get budgetLimits(): { perTraceUsd: number | undefined; totalUsd: number | undefined } {
    return { perTraceUsd: this.budget.perTraceUsd, totalUsd: this.budget.totalUsd };
  }

  /** Forgets every record and total (runs in progress are still tracked, budget spend is the store's). */
  reset(): void {
    this.ledger.reset();
  }

  protected override createRunState(runType: RunType): CallState | undefined {
    return runType === "llm" ? { prompts: undefined, holds: [] } : undefined;
  }

  /** Keeps the prompts (for an estimate) and reserves the call's most possible cost, refusing it if it does not fit. */
  protected override onModelStart(
    run: TrackedRun<CallState | undefined>,
    input: ModelStartInput,
  ): void | Promise<void> {
    const prompts = input.kind === "chat" ? input.messages : input.prompts;
    if (run.state !== undefined) run.state.prompts = this.pricing.keepPrompts(prompts);
    if (!this.budget.active) return;
    const at = this.clock();
    const amount = reservationUsd(
      this.prices,
      run.model,
      run.provider,
      prompts,
      input.invocationParams,
      this.budget.maxOutputTokens,
      at,
    );
    const reserved = this.budget.reserve(run, amount, at.getTime());
    if (Array.isArray(reserved)) this.keep(run, reserved);
    else return reserved.then((holds) => this.keep(run, holds));
  }

  protected override onModelEnd(
    run: TrackedRun<CallState | undefined>,
    output: LLMResult,
  ): void | Promise<void> {
    const model = responseModel(output) ?? run.model;
    const measured = this.pricing.measure(output, run, model);
    if (measured instanceof Promise) return measured.then((m) => this.record(run, model, m, output));
    this.record(run, model, measured, output);
  }

  protected override onModelError(run: TrackedRun<CallState | undefined>, error: unknown): void {
    // A failed attempt costs nothing, unless the provider reported usage for it.
    const usage = usageFromMessage(error);
    if (usage === undefined) {
      this.budget.release(run.state?.holds ?? [], run, "error");
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

  /** An abandoned call (a stream broken out of) still holds its reservation in the store until it expires. */
  protected override onRunEvicted(run: TrackedRun<CallState | undefined>, _reason: EvictionReason): void {
    const holds = run.state?.holds;
    if (holds !== undefined && holds.length > 0) this.budget.expire(holds, run);
  }

  private keep(run: TrackedRun<CallState | undefined>, holds: Hold[]): void {
    if (run.state !== undefined) run.state.holds = holds;
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
      this.budget.settle(run.state?.holds ?? [], run, record.cost?.totalUsd, record.at.getTime());
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
