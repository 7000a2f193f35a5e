import type { ChainwatchHandlerOptions, TrackedRun } from "@chainwatch/core";
import type { UsageMetadata } from "@langchain/core/messages";
import type { ConditionalPrice, MatchLogic, ModelPrice } from "@pydantic/genai-prices";
import type { BudgetStore } from "./budget-store.js";

/**
 * Token counts of one call, in LangChain's conventions: `inputTokens` already includes cache reads and cache
 * writes, and `outputTokens` already includes reasoning tokens. Each part is priced at its own rate; nothing is
 * counted twice.
 */
export interface TokenCounts {
  /** Every input token, cached or not. */
  inputTokens: number;
  /** Input tokens read from the provider's prompt cache (part of `inputTokens`). */
  cacheReadTokens: number;
  /** Input tokens written to the provider's prompt cache (part of `inputTokens`). */
  cacheWriteTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** Reasoning tokens (part of `outputTokens`). */
  reasoningTokens: number;
  /** Audio input tokens (part of `inputTokens`). */
  inputAudioTokens: number;
  /** Audio output tokens (part of `outputTokens`). */
  outputAudioTokens: number;
  /** `inputTokens + outputTokens`. */
  totalTokens: number;
}

/** USD of one call, split by what each part was priced at. The parts add up to `totalUsd`. */
export interface CostBreakdown {
  /** Input tokens not read from or written to a cache, at the input rate. */
  inputUsd: number;
  /** Cache reads, at the cache-read rate (the input rate when the model has none). */
  cacheReadUsd: number;
  /** Cache writes, at the cache-write rate (the input rate when the model has none). */
  cacheWriteUsd: number;
  /** Output tokens that are not reasoning, at the output rate. */
  outputUsd: number;
  /** Reasoning tokens, at the output rate (OpenAI bills reasoning as output). */
  reasoningUsd: number;
  /** Whatever else the price entry charges: audio tokens at audio rates, per-request fees. */
  otherUsd: number;
  /** The whole call, as computed by genai-prices. */
  totalUsd: number;
}

/** The price entry a call was priced with. */
export interface PriceMatch {
  /** genai-prices provider id (`openai`, `azure`, `anthropic`, …), or the provider of a custom price. */
  provider: string;
  /** Id of the matched model entry (`gpt-4o-mini` for `gpt-4o-mini-2024-07-18`). */
  modelId: string;
  /** `bundled`: genai-prices' data; `custom`: a price given in the `prices` option. */
  source: "bundled" | "custom";
  /** True when the call's provider had no entry for the model and it was matched by model name alone. */
  providerInferred: boolean;
  /** The rates in force at the call's time (USD per million tokens for `*_mtok` keys). */
  rates: ModelPrice;
}

/** Why a call has `cost: null`. */
export type UnpricedReason = "unknown_model" | "no_model_name" | "no_usage" | "invalid_usage" | "price_error";

/** What {@link computeCost} answers. */
export type CostResult =
  | { cost: CostBreakdown; price: PriceMatch; reason: undefined; detail: undefined }
  | { cost: null; price: null; reason: UnpricedReason; detail: string };

/** One LLM call, priced. */
export interface CallCostRecord {
  runId: string;
  parentRunId: string | undefined;
  /** The root run of the tree this call belongs to; {@link TokenCostCallbackHandler.forTrace} keys on it. */
  traceId: string;
  /** The model priced: the response's `model_name` first, then the requested `ls_model_name`. */
  model: string | undefined;
  /** The model requested at the start of the call (an Azure deployment name, for instance). */
  requestedModel: string | undefined;
  /** LangChain's provider (`ls_provider`), e.g. `openai`, `azure`. */
  provider: string | undefined;
  tokens: TokenCounts;
  /** True when the provider reported no usage and the counts were estimated with a bundled tokenizer. */
  estimated: boolean;
  /** USD by part, or null when the call could not be priced: never a silent 0. */
  cost: CostBreakdown | null;
  /** The price entry that matched, or null. */
  price: PriceMatch | null;
  /** Why `cost` is null. */
  reason: UnpricedReason | undefined;
  /** A sentence for humans about `reason`. */
  detail: string | undefined;
  /** Usage fields the provider sent that were unusable (NaN, negative, not a number). */
  invalidUsage: string[];
  /** `error` for a failed call whose provider still reported usage. */
  status: "ok" | "error";
  /** When the call ended (the date its price was looked up for). */
  at: Date;
}

/** Sums over a set of calls. `costUsd` covers priced calls only; `unpricedCalls` says how many were left out. */
export interface CostTotals {
  /** Calls recorded (priced or not). */
  calls: number;
  /** Calls with a cost. */
  pricedCalls: number;
  /** Calls with `cost: null`: their USD is unknown, not 0. */
  unpricedCalls: number;
  /** Calls whose tokens were estimated. */
  estimatedCalls: number;
  /** Calls that failed with no usage reported (they cost nothing). */
  failedCalls: number;
  tokens: TokenCounts;
  /** USD of the priced calls, by part. */
  cost: CostBreakdown;
  /** Shortcut for `cost.totalUsd`. */
  costUsd: number;
}

/** A user-supplied price: a custom or self-hosted model, or an override of a bundled one. */
export interface CustomPrice {
  /** The model name to match (case-insensitive equality), or genai-prices match logic. */
  model: string | MatchLogic;
  /**
   * Only apply to calls from this LangChain provider (`ls_provider`); any provider when omitted.
   */
  provider?: string;
  /**
   * Rates in USD per million tokens: `input_mtok`, `output_mtok`, `cache_read_mtok`, `cache_write_mtok`, … (any
   * genai-prices price key), or a list of prices with start-date constraints for price history.
   */
  prices: ModelPrice | ConditionalPrice[];
}

/** What happens when a budget is used up. */
export type BudgetAction = "throw" | "warn";

/** A USD limit per trace and/or overall. */
export interface BudgetOptions {
  /** The most a single run tree (a root `invoke` and everything under it) may spend, in USD. */
  perTraceUsd?: number;
  /** The most this handler may spend over its lifetime, in USD. */
  totalUsd?: number;
  /**
   * `throw`: the next LLM call of an exhausted trace (or of any trace, for `totalUsd`) is stopped before its request
   * leaves, with a {@link BudgetExceededError}. `warn`: the call goes ahead and `onExceed` is told once per trace
   * (and once for the total).
   * @default "throw"
   */
  onExceed?: BudgetAction;
  /**
   * Told when a limit is reached.
   * @default in `warn` mode, a single `process.emitWarning` per limit and trace; in `throw` mode nothing (the
   * thrown {@link BudgetExceededError} is the report)
   */
  onBudgetExceeded?: (event: BudgetEvent) => void;
  /**
   * `totalUsd` applies per window: `"1h"`, `"1d"`, `"30d"` or a number of ms. Windows are aligned to the Unix
   * epoch in UTC (a `"1d"` window starts at midnight UTC; `"30d"` is 30 days, not a calendar month).
   * @default no window: `totalUsd` is the limit for the store's lifetime
   */
  window?: "1h" | "1d" | "30d" | number;
  /**
   * Picks the budget a call is charged to from its run (`run.metadata.user_id`, `run.tags`…), so one handler
   * enforces `totalUsd` per user, tenant or API key. Must return a non-empty string.
   * @default every call shares the scope `"default"`
   */
  scope?: (run: TrackedRun<unknown>) => string;
  /**
   * Where `totalUsd` spend lives: {@link MemoryBudgetStore} (this process) or `redisBudgetStore(client)` from
   * `@chainwatch/token-cost/redis` (shared by any number of processes). Per-trace limits always stay in process.
   * @default a new in-memory store
   */
  store?: BudgetStore;
  /**
   * When the store fails or does not answer in `storeTimeoutMs`: `deny` refuses the call before its request with
   * a {@link BudgetStoreError}; `allow` lets it go on and reports the failure once (`onHandlerError`).
   * @default "deny"
   */
  onStoreError?: "deny" | "allow";
  /** Bound on each store call, in ms. @default 250 */
  storeTimeoutMs?: number;
  /**
   * Output tokens reserved for a call whose request sets no `max_tokens` / `max_completion_tokens`. Set it (or
   * `maxTokens` on the model) for reservations that cover the output: without either, only the prompt is reserved
   * and parallel calls can overshoot by what they write.
   * @default none (only the prompt is reserved)
   */
  maxOutputTokens?: number;
  /** How long a reservation holds when its call never ends (an abandoned stream). @default 600000 (10 minutes) */
  reservationTtlMs?: number;
}

/** A budget limit reached. */
export interface BudgetEvent {
  /** Which limit. */
  scope: "trace" | "total";
  limitUsd: number;
  /** USD spent under that limit when it was checked. */
  spentUsd: number;
  /** The trace that reached it (for `trace`), or the trace of the call being started. */
  traceId: string;
  /** The model of the call being started or ended. */
  model: string | undefined;
  /** The store key of a `total` limit (scope and window). */
  key: string | undefined;
}

/** Options of {@link TokenCostCallbackHandler}. */
export interface TokenCostCallbackHandlerOptions extends ChainwatchHandlerOptions {
  /** Extra or overriding prices, checked before the bundled ones, in order. @default [] */
  prices?: readonly CustomPrice[];
  /** USD limits. @default no limit */
  budget?: BudgetOptions;
  /**
   * Told of every call as it is priced (the handler's sink). Called on LangChain's callback queue: keep it quick.
   * @default none
   */
  onRecord?: (record: CallCostRecord) => void;
  /**
   * When a provider reports no usage, count tokens with js-tiktoken's bundled encodings (`o200k_base`, or
   * `cl100k_base` for GPT-4 / GPT-3.5) and mark the record `estimated`. When false such calls get `cost: null`.
   * @default true
   */
  estimate?: boolean;
  /**
   * Per-trace totals kept for {@link TokenCostCallbackHandler.forTrace}; beyond it an idle trace is dropped (CLOCK
   * eviction: one of the least recently active). Also bounds the budget-warning memory.
   * @default 1000
   */
  maxTraces?: number;
  /**
   * Most recent call records kept in {@link TokenCostCallbackHandler.records}; totals are exact regardless, and
   * `onRecord` sees every call. Kept small by default: records held for long are costly to collect.
   * @default 100
   */
  maxRecords?: number;
  /**
   * Wall clock for the price date (prices change over time).
   * @default () => new Date()
   */
  clock?: () => Date;
}

/** What {@link computeCost} takes. */
export interface ComputeCostInput {
  /** Model name as the provider reports it (`gpt-4o-2024-08-06`). */
  model: string | undefined;
  /** LangChain provider (`openai`, `azure`, `anthropic`, `google_genai`, …) or a genai-prices provider id. */
  provider?: string | undefined;
  /**
   * Counts in LangChain's conventions (missing parts are 0, but one of `inputTokens` / `outputTokens` is needed),
   * or LangChain's own `UsageMetadata` as found on `message.usage_metadata`.
   */
  usage: Partial<Omit<TokenCounts, "totalTokens">> | UsageMetadata;
  /** The date to price at. @default now */
  at?: Date;
  /** Custom prices to check first. @default [] */
  prices?: readonly CustomPrice[];
}
