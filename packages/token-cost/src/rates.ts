import type { ConditionalPrice, ModelInfo, ModelPrice } from "@pydantic/genai-prices";
import type { CostBreakdown, TokenCounts } from "./types.js";

/** True for a price history (a list of prices with constraints) rather than one set of rates. */
export function isConditional(prices: ModelPrice | ConditionalPrice[]): prices is ConditionalPrice[] {
  return Array.isArray(prices);
}

/** The rate of a price key for a call with `inputTokens` input tokens (long-context tiers apply to the whole call). */
function rate(prices: ModelPrice, key: string, inputTokens: number): number | undefined {
  const value = prices[key];
  if (value === undefined) return undefined;
  if (typeof value === "number") return value;
  let current = value.base;
  let from = -1;
  for (const tier of value.tiers) {
    if (inputTokens > tier.start && tier.start > from) {
      current = tier.price;
      from = tier.start;
    }
  }
  return current;
}

export function breakdown(prices: ModelPrice, tokens: TokenCounts, totalUsd: number): CostBreakdown {
  const input = rate(prices, "input_mtok", tokens.inputTokens) ?? 0;
  const output = rate(prices, "output_mtok", tokens.inputTokens) ?? 0;
  const cacheRead = rate(prices, "cache_read_mtok", tokens.inputTokens) ?? input;
  const cacheWrite = rate(prices, "cache_write_mtok", tokens.inputTokens) ?? input;
  const reasoning = rate(prices, "output_reasoning_mtok", tokens.inputTokens) ?? output;
  // Audio tokens priced at their own rate are left to `otherUsd`; otherwise they are plain input/output.
  const audioIn = prices.input_audio_mtok === undefined ? 0 : tokens.inputAudioTokens;
  const audioOut = prices.output_audio_mtok === undefined ? 0 : tokens.outputAudioTokens;
  const uncached = Math.max(
    0,
    tokens.inputTokens - tokens.cacheReadTokens - tokens.cacheWriteTokens - audioIn,
  );
  const visible = Math.max(0, tokens.outputTokens - tokens.reasoningTokens - audioOut);
  const parts = {
    inputUsd: (uncached * input) / 1e6,
    cacheReadUsd: (tokens.cacheReadTokens * cacheRead) / 1e6,
    cacheWriteUsd: (tokens.cacheWriteTokens * cacheWrite) / 1e6,
    outputUsd: (visible * output) / 1e6,
    reasoningUsd: (tokens.reasoningTokens * reasoning) / 1e6,
  };
  const sum =
    parts.inputUsd + parts.cacheReadUsd + parts.cacheWriteUsd + parts.outputUsd + parts.reasoningUsd;
  let otherUsd = totalUsd - sum;
  // Float noise from adding the same numbers in another order is not a price.
  if (Math.abs(otherUsd) <= 1e-12 * Math.max(1, totalUsd)) otherUsd = 0;
  return { ...parts, otherUsd, totalUsd };
}

/**
 * Price keys whose effect {@link fastCost} reproduces for text-only usage: the five token parts, the per-request fee,
 * and keys that only price usage this package never reports (tool calls, pages, audio/image/video tokens when the
 * call reported none), which genai-prices then prices at 0. Anything else goes through genai-prices itself.
 * `fast-path.test.ts` checks the two agree on every bundled model.
 */
const FAST_KEYS = new Set([
  "input_mtok",
  "output_mtok",
  "cache_read_mtok",
  "cache_write_mtok",
  "cache_write_1h_mtok",
  "cache_write_5m_mtok",
  "output_reasoning_mtok",
  "requests_kcount",
  "web_searches_kcount",
  "storage_searches_kcount",
  "code_executions_kcount",
  "social_searches_kcount",
  "rerank_searches_kcount",
  "input_audio_mtok",
  "cache_audio_read_mtok",
  "output_audio_mtok",
  "input_image_mtok",
  "cache_image_read_mtok",
  "output_image_mtok",
  "input_video_mtok",
  "output_video_mtok",
  "audio_hours",
  "input_audio_hours",
  "output_audio_hours",
  "input_document_kpages",
  "input_annotated_document_kpages",
  "input_text_messages_kcount",
]);

/** Rates of one price entry, resolved once: USD per million tokens for each part, and the per-request fee. */
interface RateCard {
  /** Long-context tiers: rates depend on the call's input tokens, so they are looked up per call. */
  tiered: boolean;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  fee: number;
}

const rateCards = new WeakMap<ModelPrice, RateCard | null>();

function isUsableRate(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value === "number") return Number.isFinite(value) && value >= 0;
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { base?: unknown }).base === "number" &&
    Array.isArray((value as { tiers?: unknown }).tiers)
  );
}

/** The entry's rate card, or null when it prices something only genai-prices' general calculation handles. */
function rateCard(prices: ModelPrice): RateCard | null {
  let card = rateCards.get(prices);
  if (card === undefined) {
    card = null;
    if (Object.entries(prices).every(([key, value]) => FAST_KEYS.has(key) && isUsableRate(value))) {
      const input = rate(prices, "input_mtok", 0) ?? 0;
      const output = rate(prices, "output_mtok", 0) ?? 0;
      const requests = prices.requests_kcount;
      card = {
        tiered: Object.values(prices).some((value) => typeof value === "object"),
        input,
        output,
        cacheRead: rate(prices, "cache_read_mtok", 0) ?? input,
        cacheWrite: rate(prices, "cache_write_mtok", 0) ?? input,
        reasoning: rate(prices, "output_reasoning_mtok", 0) ?? output,
        fee: typeof requests === "number" ? requests / 1_000 : 0,
      };
    }
    rateCards.set(prices, card);
  }
  return card;
}

/**
 * The call's cost computed here, without genai-prices' general unit lattice: a few multiplications instead of a
 * catalogue walk, for the common case. Undefined when the call needs the general calculation (audio tokens,
 * inconsistent counts that genai-prices should judge, or price keys not in {@link FAST_KEYS}).
 */
export function fastCost(prices: ModelPrice, tokens: TokenCounts): CostBreakdown | undefined {
  if (tokens.inputAudioTokens > 0 || tokens.outputAudioTokens > 0) return undefined;
  const cached = tokens.cacheReadTokens + tokens.cacheWriteTokens;
  if (cached > tokens.inputTokens || tokens.reasoningTokens > tokens.outputTokens) return undefined;
  const card = rateCard(prices);
  if (card === null) return undefined;
  if (card.tiered) {
    const parts = breakdown(prices, tokens, 0);
    const sum =
      parts.inputUsd + parts.cacheReadUsd + parts.cacheWriteUsd + parts.outputUsd + parts.reasoningUsd;
    parts.otherUsd = card.fee;
    parts.totalUsd = sum + card.fee;
    return parts;
  }
  // Same operation order as genai-prices (count x rate / 1e6), so the figures match to the last bit in most cases.
  const inputUsd = ((tokens.inputTokens - cached) * card.input) / 1e6;
  const cacheReadUsd = (tokens.cacheReadTokens * card.cacheRead) / 1e6;
  const cacheWriteUsd = (tokens.cacheWriteTokens * card.cacheWrite) / 1e6;
  const outputUsd = ((tokens.outputTokens - tokens.reasoningTokens) * card.output) / 1e6;
  const reasoningUsd = (tokens.reasoningTokens * card.reasoning) / 1e6;
  return {
    inputUsd,
    cacheReadUsd,
    cacheWriteUsd,
    outputUsd,
    reasoningUsd,
    otherUsd: card.fee,
    totalUsd: inputUsd + cacheReadUsd + cacheWriteUsd + outputUsd + reasoningUsd + card.fee,
  };
}

/** Seconds since midnight UTC of a genai-prices time-of-day (`HH:MM:SS[.fff](Z|±HH:MM)`), or NaN. */
function secondsOfDay(time: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!match) return Number.NaN;
  const [, h, m, sec, fraction = "", zone, sign, oh = "00", om = "00"] = match;
  const local = Number(h) * 3600 + Number(m) * 60 + Number(sec) + Number(`0.${fraction}`);
  const offset = zone === "Z" ? 0 : (sign === "+" ? 1 : -1) * (Number(oh) * 60 + Number(om)) * 60;
  return (local - offset + 86_400) % 86_400;
}

/**
 * The rates in force at `at`, chosen as genai-prices chooses them (the last matching start date or time-of-day
 * window, else the first entry). Undefined for a constraint it does not know, so the caller falls back.
 */
export function pricesAt(model: ModelInfo, at: Date): ModelPrice | undefined {
  const prices = model.prices;
  if (!isConditional(prices)) return prices;
  const time = at.getTime();
  const day =
    at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
  for (let index = prices.length - 1; index >= 0; index--) {
    const entry = prices[index] as ConditionalPrice;
    const constraint = entry.constraint;
    if (constraint === undefined) return entry.prices;
    if (constraint.type === "start_date") {
      if (time >= Date.parse(constraint.start_date)) return entry.prices;
    } else if (constraint.type === "time_of_date") {
      const start = secondsOfDay(constraint.start_time);
      const end = secondsOfDay(constraint.end_time);
      if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
      if (end < start ? day >= start || day < end : day >= start && day < end) return entry.prices;
    } else {
      return undefined;
    }
  }
  return prices[0]?.prices;
}
