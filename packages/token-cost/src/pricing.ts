import { type CostHint, extractUsage, responseModel, type TrackedRun } from "@chainwatch/core";
import type { Hold } from "./budget.js";
import type { MeasuredUsage } from "./call-record.js";
import { countsFromUsage, zeroCounts } from "./counts.js";
import { estimateTokens, estimateTokensNow, generationTexts } from "./estimate.js";
import type { PriceBook } from "./prices.js";
import type { CostResult, TokenCounts } from "./types.js";
import { absurdCounts, MAX_TOKENS_PER_CALL } from "./usage-limits.js";

/** Per-call state: the prompts (kept only to estimate tokens when the provider reports none) and budget holds. */
export interface CallState {
  prompts: unknown;
  holds: Hold[];
}

/** A result priced once, for one (model, provider). */
interface Priced {
  model: string | undefined;
  provider: string | undefined;
  result: CostResult;
}

/** What a run lookup needs: core's run tracker. */
interface Runs {
  get(runId: string): TrackedRun<CallState | undefined> | undefined;
}

const NO_USAGE: MeasuredUsage = {
  tokens: zeroCounts(),
  estimated: false,
  invalidUsage: [],
  status: "ok",
  unpriced: "no_usage",
};

/**
 * Turns a call's result into counts and a price, once per result object: the handler's own record, and the
 * metrics and log handlers that ask through {@link CostSource}, get the same figure whatever order they run in,
 * including the tokenizer estimate for a call the provider reported no usage for.
 */
export class Pricing {
  private readonly cache = new WeakMap<object, Priced>();
  private readonly estimates = new WeakMap<object, TokenCounts>();

  constructor(
    private readonly prices: PriceBook,
    private readonly estimate: boolean,
    private readonly clock: () => Date,
    private readonly report: (where: string, error: unknown) => void,
  ) {}

  /**
   * The prompts to keep for an estimate (none when estimation is off). The tokenizer is loaded only once a
   * provider reports no usage (its ranks are megabytes): from then on estimates are answered at once.
   */
  keepPrompts(prompts: unknown): unknown {
    return this.estimate ? prompts : undefined;
  }

  /** The counts of an ended call: the provider's usage, else an estimate (async only while the tokenizer loads). */
  measure(
    output: unknown,
    run: TrackedRun<CallState | undefined>,
    model: string | undefined,
  ): MeasuredUsage | Promise<MeasuredUsage> {
    const usage = extractUsage(output);
    if (usage !== undefined && usage.source !== "estimated") {
      const tokens = countsFromUsage(usage);
      const absurd = absurdCounts(tokens).map((field) => `${field} > ${MAX_TOKENS_PER_CALL}`);
      const invalid = [...usage.invalid, ...absurd];
      return {
        tokens,
        estimated: false,
        invalidUsage: invalid,
        status: "ok",
        unpriced: invalid.length > 0 ? "invalid_usage" : undefined,
      };
    }
    const prompts = run.state?.prompts;
    if (!this.estimate || prompts === undefined) return NO_USAGE;
    const now = this.estimated(output, model, prompts);
    if (now !== undefined) return { ...NO_USAGE, tokens: now, estimated: true, unpriced: undefined };
    return estimateTokens(model, prompts, generationTexts(output)).then(
      (counted) => ({
        ...NO_USAGE,
        tokens: this.remember(output, counted),
        estimated: true,
        unpriced: undefined,
      }),
      (error: unknown) => {
        // The call still counts, unpriced: a missing tokenizer must not make it vanish from the totals.
        this.report("estimateTokens", error);
        return NO_USAGE;
      },
    );
  }

  /** The price of a measured call, from the cache when this result was priced for the same model and provider. */
  priceOf(
    output: unknown,
    model: string | undefined,
    provider: string | undefined,
    measured: MeasuredUsage,
  ): CostResult | undefined {
    if (measured.unpriced !== undefined) return undefined;
    return this.price(output, model, provider, measured.tokens);
  }

  /** The cost source's answer: usage priced, or the estimate (with the run id in the hint, or once recorded). */
  ofResult(output: unknown, hint: CostHint, runs: Runs): { usd: number; estimated: boolean } | undefined {
    const model = responseModel(output) ?? hint.model;
    const usage = extractUsage(output);
    if (usage !== undefined && usage.source !== "estimated") {
      const tokens = countsFromUsage(usage);
      if (usage.invalid.length > 0 || absurdCounts(tokens).length > 0) return undefined;
      const usd = this.price(output, model, hint.provider, tokens).cost?.totalUsd;
      return usd === undefined ? undefined : { usd, estimated: false };
    }
    if (!this.estimate) return undefined;
    let tokens = typeof output === "object" && output !== null ? this.estimates.get(output) : undefined;
    if (tokens === undefined) {
      const runId = (hint as { runId?: unknown }).runId;
      const prompts = typeof runId === "string" ? runs.get(runId)?.state?.prompts : undefined;
      if (prompts !== undefined) tokens = this.estimated(output, model, prompts);
    }
    if (tokens === undefined) return undefined;
    const usd = this.price(output, model, hint.provider, tokens).cost?.totalUsd;
    return usd === undefined ? undefined : { usd, estimated: true };
  }

  private estimated(output: unknown, model: string | undefined, prompts: unknown): TokenCounts | undefined {
    const key = typeof output === "object" && output !== null ? output : undefined;
    const cached = key === undefined ? undefined : this.estimates.get(key);
    if (cached !== undefined) return cached;
    const counted = estimateTokensNow(model, prompts, generationTexts(output));
    return counted === undefined ? undefined : this.remember(output, counted);
  }

  private remember(output: unknown, counted: { inputTokens: number; outputTokens: number }): TokenCounts {
    const tokens = zeroCounts();
    tokens.inputTokens = counted.inputTokens;
    tokens.outputTokens = counted.outputTokens;
    tokens.totalTokens = counted.inputTokens + counted.outputTokens;
    if (typeof output === "object" && output !== null) this.estimates.set(output, tokens);
    return tokens;
  }

  private price(
    output: unknown,
    model: string | undefined,
    provider: string | undefined,
    tokens: TokenCounts,
  ): CostResult {
    const key = typeof output === "object" && output !== null ? output : undefined;
    const cached = key === undefined ? undefined : this.cache.get(key);
    if (cached !== undefined && cached.model === model && cached.provider === provider) return cached.result;
    const result = this.prices.price(model, provider, tokens, this.clock());
    if (key !== undefined) this.cache.set(key, { model, provider, result });
    return result;
  }
}
