import {
  ChainwatchCallbackHandler,
  type CostHint,
  type CostSource,
  chainRunType,
  extractUsage,
  responseModel,
  type TrackedRun,
  usageFromMessage,
} from "@chainwatch/core";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { Budget, BudgetExceededError } from "./budget.js";
import { buildRecord, type MeasuredUsage } from "./call-record.js";
import { countsFromUsage, zeroCounts } from "./counts.js";
import { estimateTokens, generationTexts } from "./estimate.js";
import { CostLedger } from "./ledger.js";
import { PriceBook } from "./prices.js";
import type { CallCostRecord, CostResult, CostTotals, TokenCostCallbackHandlerOptions } from "./types.js";

/**
 * Per-run state: the prompts of an LLM run (messages or strings), kept only to estimate tokens if the provider
 * reports no usage; undefined for chains and tools, and when estimation is off.
 */
type RunState = unknown;

/** A result priced once, for one (model, provider): reused by whichever of the handler and its users asks next. */
interface PricedResult {
  model: string | undefined;
  provider: string | undefined;
  result: CostResult;
}

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
 * model and per run tree, and budgets that stop the next call before its request leaves.
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
export class TokenCostCallbackHandler extends ChainwatchCallbackHandler<RunState> implements CostSource {
  name = "token_cost";

  private readonly prices: PriceBook;
  private readonly budget: Budget;
  private readonly onRecord: ((record: CallCostRecord) => void) | undefined;
  private readonly estimate: boolean;
  private readonly clock: () => Date;
  private readonly ledger: CostLedger;
  /**
   * Prices by LLM result object. LangChain hands the same result to every handler, so the metrics and log
   * handlers that take this one as their cost source, and this handler's own end callback, price a call once
   * whatever order they run in.
   */
  private readonly pricedResults = new WeakMap<object, PricedResult>();
  private readonly reportBudgetError = (error: unknown): void => this.guard.report("onBudgetExceeded", error);

  constructor(options: TokenCostCallbackHandlerOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`TokenCostCallbackHandler: options must be an object, got ${String(options)}`);
    }
    const budget = new Budget(options.budget, positiveInteger("maxTraces", options.maxTraces, 1_000));
    // Blocking a call needs raiseError passed to the base constructor, which also makes LangChain await us.
    super("token_cost", options, budget.blocks ? { raiseError: true } : undefined);
    this.budget = budget;
    this.prices = new PriceBook(options.prices);
    if (options.onRecord !== undefined && typeof options.onRecord !== "function") {
      throw new TypeError(
        `TokenCostCallbackHandler: onRecord must be a function, got ${String(options.onRecord)}`,
      );
    }
    this.onRecord = options.onRecord;
    this.estimate = options.estimate ?? true;
    this.clock = options.clock ?? (() => new Date());
    this.ledger = new CostLedger(
      positiveInteger("maxTraces", options.maxTraces, 1_000),
      positiveInteger("maxRecords", options.maxRecords, 100),
    );
  }

  /** Totals of every call this handler saw. */
  get totals(): CostTotals {
    return this.ledger.totals();
  }

  /** Shortcut for `totals.costUsd`: USD of the priced calls. */
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
   * USD of one call from its LLM result alone ({@link CostSource}, for `PrometheusCallbackHandler` and
   * `PinoCallbackHandler`'s `cost` option): the model the response names (else `hint.model`), `hint.provider`,
   * and the usage the provider reported, with this handler's prices. Pure and order-independent: it records
   * nothing, and it is cached per result object, so composing handlers prices a call once. Undefined when the
   * call cannot be priced from the result (no or unusable usage, unknown model): this handler may still
   * estimate tokens for its own records, which a result alone cannot.
   */
  costOfLLMResult(output: unknown, hint: CostHint = {}): number | undefined {
    const usage = extractUsage(output);
    if (usage === undefined || usage.source === "estimated" || usage.invalid.length > 0) return undefined;
    const model = responseModel(output) ?? hint.model;
    return this.priceOf(output, model, hint.provider, countsFromUsage(usage)).cost?.totalUsd;
  }

  /** Forgets every record and total (runs in progress are still tracked). */
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
  ): void {
    this.startLLM(llm, messages, runId, parentRunId, extraParams, tags, metadata, runName);
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
  ): void {
    this.startLLM(llm, prompts, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void | Promise<void> {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const model = responseModel(output) ?? run.model;
    const usage = extractUsage(output);
    if (usage !== undefined && usage.source !== "estimated") {
      const tokens = countsFromUsage(usage);
      const invalid = usage.invalid.length > 0;
      this.record(
        run,
        model,
        {
          tokens,
          estimated: false,
          invalidUsage: usage.invalid,
          status: "ok",
          unpriced: invalid ? "invalid_usage" : undefined,
        },
        invalid ? undefined : this.priceOf(output, model, run.provider, tokens),
      );
      return;
    }
    if (!this.estimate || run.state === undefined) {
      this.record(run, model, {
        tokens: zeroCounts(),
        estimated: false,
        invalidUsage: [],
        status: "ok",
        unpriced: "no_usage",
      });
      return;
    }
    return this.estimateAndRecord(run, model, run.state, generationTexts(output));
  }

  override handleLLMError(error: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    // A failed attempt costs nothing, unless the provider reported usage for it.
    const usage = usageFromMessage(error);
    if (usage !== undefined) {
      this.record(run, run.model, {
        tokens: countsFromUsage(usage),
        estimated: false,
        invalidUsage: usage.invalid,
        status: "error",
        unpriced: usage.invalid.length > 0 ? "invalid_usage" : undefined,
      });
      return;
    }
    this.ledger.addFailure(run.traceId);
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

  private startLLM(
    llm: unknown,
    prompts: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: unknown,
    metadata: unknown,
    runName: unknown,
  ): void {
    const state: RunState = this.estimate ? prompts : undefined;
    const run = this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, state);
    if (!this.budget.active) return;
    const breach = this.budget.breach(
      run.traceId,
      this.ledger.traceCostUsd(run.traceId),
      this.ledger.costUsd,
      run.model,
    );
    if (breach === undefined) return;
    this.budget.notify(breach, this.reportBudgetError);
    if (this.budget.action === "throw") {
      // The call never starts, so no end event will release it.
      this.runs.end(runId);
      throw new BudgetExceededError(breach);
    }
  }

  private async estimateAndRecord(
    run: TrackedRun<RunState>,
    model: string | undefined,
    prompts: unknown,
    outputs: string[],
  ): Promise<void> {
    let estimate: { inputTokens: number; outputTokens: number };
    try {
      estimate = await estimateTokens(model, prompts, outputs);
    } catch (error) {
      // The call still counts, unpriced: a missing tokenizer must not make it vanish from the totals.
      this.guard.report("estimateTokens", error);
      this.record(run, model, {
        tokens: zeroCounts(),
        estimated: false,
        invalidUsage: [],
        status: "ok",
        unpriced: "no_usage",
      });
      return;
    }
    const { inputTokens, outputTokens } = estimate;
    const counts = zeroCounts();
    counts.inputTokens = inputTokens;
    counts.outputTokens = outputTokens;
    counts.totalTokens = inputTokens + outputTokens;
    this.record(run, model, {
      tokens: counts,
      estimated: true,
      invalidUsage: [],
      status: "ok",
      unpriced: undefined,
    });
  }

  /** The price of a result's tokens, from the cache when this result was priced for the same model and provider. */
  private priceOf(
    output: unknown,
    model: string | undefined,
    provider: string | undefined,
    tokens: CallCostRecord["tokens"],
  ): CostResult {
    const key = typeof output === "object" && output !== null ? output : undefined;
    const cached = key === undefined ? undefined : this.pricedResults.get(key);
    if (cached !== undefined && cached.model === model && cached.provider === provider) return cached.result;
    const result = this.prices.price(model, provider, tokens, this.clock());
    if (key !== undefined) this.pricedResults.set(key, { model, provider, result });
    return result;
  }

  private record(
    run: TrackedRun<RunState>,
    model: string | undefined,
    measured: MeasuredUsage,
    priced?: CostResult,
  ): void {
    const record = buildRecord(run, model, measured, this.prices, this.clock(), priced);
    this.ledger.add(record);
    if (this.budget.active) {
      const breach = this.budget.breach(
        run.traceId,
        this.ledger.traceCostUsd(run.traceId),
        this.ledger.costUsd,
        model,
      );
      if (breach !== undefined) this.budget.notify(breach, this.reportBudgetError);
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
