import { calcPrice, type ModelInfo, type ModelPrice, type Provider } from "@pydantic/genai-prices";
import { roundBreakdown } from "./money.js";
import { breakdown, fastCost, isConditional, pricesAt } from "./rates.js";
import type { CostResult, CustomPrice, PriceMatch, TokenCounts, UnpricedReason } from "./types.js";

/** LangChain's `ls_provider` values whose genai-prices id differs. Others are passed through. */
const PROVIDER_IDS: Readonly<Record<string, string>> = {
  google_genai: "google",
  google_vertexai: "google",
  google_anthropic_vertex: "google",
  amazon_bedrock: "aws",
  bedrock: "aws",
  mistralai: "mistral",
  xai: "x-ai",
  togetherai: "together",
  azure_openai: "azure",
};

/** Most model resolutions cached; model names come from responses, so the set is bounded by hand. */
const MAX_RESOLUTIONS = 2_000;

interface Resolved {
  /** A one-model provider, so that pricing a call does not search the whole catalogue again. */
  provider: Provider;
  model: ModelInfo;
  source: "bundled" | "custom";
  providerInferred: boolean;
  /** Match records by the rates in force (one per price period). */
  matches: Map<ModelPrice, PriceMatch>;
}

interface Unresolved {
  reason: UnpricedReason;
  detail: string;
}

/** Price data generation: bumped by {@link refreshPrices} so cached resolutions are dropped. */
let generation = 0;

/** Invalidates every price book's cached model resolutions (after the bundled data was replaced). */
export function bumpPriceGeneration(): void {
  generation++;
}

function customProvider(
  prices: readonly CustomPrice[],
  providerId: string | undefined,
): Provider | undefined {
  const models: ModelInfo[] = [];
  prices.forEach((price, index) => {
    if (price.provider !== undefined && price.provider !== providerId) return;
    models.push({
      id: typeof price.model === "string" ? price.model : `custom-${index}`,
      match: typeof price.model === "string" ? { equals: price.model } : price.model,
      prices: price.prices,
    });
  });
  if (models.length === 0) return undefined;
  return { id: providerId ?? "custom", name: "Custom prices", api_pattern: "(?!)", models };
}

function validateCustomPrices(prices: readonly CustomPrice[]): void {
  prices.forEach((price, index) => {
    const where = `prices[${index}]`;
    if (typeof price !== "object" || price === null) throw new TypeError(`${where} must be an object`);
    if (typeof price.model === "string" ? price.model.trim() === "" : typeof price.model !== "object") {
      throw new TypeError(`${where}.model must be a model name or match logic, got ${String(price.model)}`);
    }
    const entries = isConditional(price.prices) ? price.prices.map((entry) => entry.prices) : [price.prices];
    if (entries.length === 0) throw new TypeError(`${where}.prices must not be empty`);
    for (const entry of entries) {
      for (const [key, value] of Object.entries(entry ?? {})) {
        const ok =
          (typeof value === "number" && Number.isFinite(value) && value >= 0) ||
          (typeof value === "object" && value !== null);
        if (!ok)
          throw new RangeError(`${where}.prices.${key} must be a non-negative number, got ${String(value)}`);
      }
    }
  });
}

function usageForLibrary(tokens: TokenCounts): Record<string, number> {
  const usage: Record<string, number> = {
    input_tokens: tokens.inputTokens,
    output_tokens: tokens.outputTokens,
  };
  if (tokens.cacheReadTokens > 0) usage.cache_read_tokens = tokens.cacheReadTokens;
  if (tokens.cacheWriteTokens > 0) usage.cache_write_tokens = tokens.cacheWriteTokens;
  if (tokens.reasoningTokens > 0) usage.output_reasoning_tokens = tokens.reasoningTokens;
  if (tokens.inputAudioTokens > 0) usage.input_audio_tokens = tokens.inputAudioTokens;
  if (tokens.outputAudioTokens > 0) usage.output_audio_tokens = tokens.outputAudioTokens;
  return usage;
}

const PROBE_USAGE = { input_tokens: 0, output_tokens: 0 };

/** The genai-prices provider id for a LangChain provider name. */
export function providerId(provider: string | undefined): string | undefined {
  if (provider === undefined) return undefined;
  const key = provider.toLowerCase();
  return PROVIDER_IDS[key] ?? key;
}

/**
 * Resolves model names to genai-prices entries (custom prices first, then the bundled data) and prices calls.
 * Resolutions are cached per provider and model, so a call costs one lookup and one small calculation.
 * Works on the bundled data only: nothing here touches the network.
 */
export class PriceBook {
  private readonly custom: readonly CustomPrice[];
  private readonly resolutions = new Map<string, Resolved | Unresolved>();
  private generationSeen = generation;
  private lastModel: string | undefined;
  private lastProvider: string | undefined;
  private last: Resolved | Unresolved | undefined;

  constructor(prices: readonly CustomPrice[] = []) {
    if (!Array.isArray(prices)) throw new TypeError(`prices must be an array, got ${String(prices)}`);
    validateCustomPrices(prices);
    this.custom = prices;
  }

  /** Prices a call. Never throws: what cannot be priced comes back with `cost: null` and a reason. */
  price(model: string | undefined, provider: string | undefined, tokens: TokenCounts, at: Date): CostResult {
    if (model === undefined) {
      return unpriced("no_model_name", "neither the response nor the request named a model");
    }
    const resolved = this.resolve(model, provider);
    if ("reason" in resolved) return unpriced(resolved.reason, resolved.detail);
    try {
      const rates = Number.isNaN(at.getTime()) ? undefined : pricesAt(resolved.model, at);
      const fast = rates === undefined ? undefined : fastCost(rates, tokens);
      if (rates !== undefined && fast !== undefined) {
        return {
          cost: roundBreakdown(fast),
          price: this.match(resolved, rates),
          reason: undefined,
          detail: undefined,
        };
      }
      const result = calcPrice(usageForLibrary(tokens), model, {
        provider: resolved.provider,
        timestamp: at,
      });
      if (result === null) return unpriced("unknown_model", `no price entry matched ${model}`);
      return {
        cost: roundBreakdown(breakdown(result.model_price, tokens, result.total_price)),
        price: this.match(resolved, result.model_price),
        reason: undefined,
        detail: undefined,
      };
    } catch (error) {
      return unpriced("price_error", error instanceof Error ? error.message : String(error));
    }
  }

  /** The match record for a resolution and the rates in force; shared (frozen) by every call priced alike. */
  private match(resolved: Resolved, rates: ModelPrice): PriceMatch {
    let match = resolved.matches.get(rates);
    if (match === undefined) {
      match = Object.freeze({
        provider: resolved.provider.id,
        modelId: resolved.model.id,
        source: resolved.source,
        providerInferred: resolved.providerInferred,
        rates,
      });
      resolved.matches.set(rates, match);
    }
    return match;
  }

  private resolve(model: string, provider: string | undefined): Resolved | Unresolved {
    if (this.generationSeen !== generation) {
      this.resolutions.clear();
      this.last = undefined;
      this.generationSeen = generation;
    }
    // Most handlers price one model over and over: check the last resolution before building a key.
    if (model === this.lastModel && provider === this.lastProvider && this.last !== undefined)
      return this.last;
    const key = `${provider ?? ""}\u0000${model}`;
    let resolved = this.resolutions.get(key);
    if (resolved === undefined) {
      resolved = this.lookup(model, provider);
      if (this.resolutions.size >= MAX_RESOLUTIONS) this.resolutions.clear();
      this.resolutions.set(key, resolved);
    }
    this.lastModel = model;
    this.lastProvider = provider;
    this.last = resolved;
    return resolved;
  }

  private lookup(model: string, provider: string | undefined): Resolved | Unresolved {
    try {
      const custom = customProvider(this.custom, provider);
      if (custom) {
        const match = calcPrice(PROBE_USAGE, model, { provider: custom });
        if (match) return single(match.provider, match.model, "custom", false);
      }
      const id = providerId(provider);
      const direct = id === undefined ? null : calcPrice(PROBE_USAGE, model, { providerId: id });
      if (direct) return single(direct.provider, direct.model, "bundled", false);
      // The provider is unknown, or has no entry for this model (an OpenAI-compatible server, say): match by name.
      const byName = calcPrice(PROBE_USAGE, model);
      if (byName) return single(byName.provider, byName.model, "bundled", id !== undefined);
      return {
        reason: "unknown_model",
        detail: `no price for model "${model}"${provider ? ` (provider ${provider})` : ""}; add one with the prices option`,
      };
    } catch (error) {
      return { reason: "price_error", detail: error instanceof Error ? error.message : String(error) };
    }
  }
}

function single(
  provider: Provider,
  model: ModelInfo,
  source: Resolved["source"],
  inferred: boolean,
): Resolved {
  return {
    provider: { ...provider, models: [model], fallback_model_providers: [] },
    model,
    source,
    providerInferred: inferred,
    matches: new Map(),
  };
}

function unpriced(reason: UnpricedReason, detail: string): CostResult {
  return { cost: null, price: null, reason, detail };
}
