import { type TokenUsage, type TrackedRun, truncate } from "@chainwatch/core";
import type { OtelFields } from "./otel.js";

/** What the handler keeps per run, besides what the core tracker keeps. */
export interface RunLogState {
  /** Sampled in and not filtered out: the run's records are written. */
  logged: boolean;
  /** An LLM run's `extraParams`, kept by reference and read only when a record is written. */
  params: unknown;
  /** The span active when the run started. */
  otel: OtelFields | undefined;
  /** Whether the run streamed any token. */
  streamed: boolean;
}

/** Request parameters worth a field: they change cost, length or behaviour. */
export interface LlmParams {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stream?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Temperature, max tokens, top_p and a requested stream from `extraParams.invocation_params`; named fields only. */
export function llmParams(extraParams: unknown): LlmParams | undefined {
  const params =
    isRecord(extraParams) && isRecord(extraParams.invocation_params)
      ? extraParams.invocation_params
      : undefined;
  if (!params) return undefined;
  const out: LlmParams = {};
  const temperature = finite(params.temperature);
  if (temperature !== undefined) out.temperature = temperature;
  const maxTokens =
    finite(params.max_tokens) ?? finite(params.max_completion_tokens) ?? finite(params.maxTokens);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  const topP = finite(params.top_p) ?? finite(params.topP);
  if (topP !== undefined) out.top_p = topP;
  // Only `true` is reliable: `.stream()` reports `stream: false` here and streams anyway (see `streamed`).
  if (params.stream === true) out.stream = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The most tokens of one kind one call can report: the largest context windows are around 10 million tokens, so a
 * count past 100 million is a broken counter or a corrupted response, logged as invalid, never as a count.
 */
export const MAX_TOKENS_PER_CALL = 100_000_000;

const USAGE_FIELDS = [
  ["input", "inputTokens"],
  ["output", "outputTokens"],
  ["total", "totalTokens"],
  ["cache_read", "cacheReadTokens"],
  ["cache_write", "cacheWriteTokens"],
  ["reasoning", "reasoningTokens"],
] as const;

/**
 * `usage` of an `llm.end` record; counts a provider did not report are left out, and counts no call can have
 * (see {@link MAX_TOKENS_PER_CALL}) or that were not numbers are named in `invalid` instead.
 */
export function usageFields(usage: TokenUsage): Record<string, number | boolean | string[]> {
  const out: Record<string, number | boolean | string[]> = {};
  const invalid = [...usage.invalid];
  for (const [name, field] of USAGE_FIELDS) {
    const count = usage[field];
    if (count === undefined) continue;
    if (count > MAX_TOKENS_PER_CALL) invalid.push(field);
    else out[name] = count;
  }
  if (usage.source === "estimated") out.estimated = true;
  if (invalid.length > 0) out.invalid = invalid;
  return out;
}

/** Milliseconds, to the microsecond. */
export function milliseconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}

const MAX_TAG_LENGTH = 200;
const MAX_TAGS = 50;

function safeTags(tags: readonly string[]): readonly string[] {
  if (tags.length <= MAX_TAGS) {
    let fits = true;
    for (const tag of tags) if (typeof tag !== "string" || tag.length > MAX_TAG_LENGTH) fits = false;
    if (fits) return tags;
  }
  return tags.slice(0, MAX_TAGS).map((tag) => truncate(String(tag), MAX_TAG_LENGTH));
}

/**
 * The fields every record of a run carries: ids, trace, depth, type, name, tags, allow-listed metadata, LangGraph
 * node and step, OpenTelemetry ids. A run the handler never saw start (it was attached mid-run, or the run was
 * evicted) still gets its ids and type.
 */
export function runFields(
  run: TrackedRun<RunLogState> | undefined,
  runId: string,
  parentRunId: string | undefined,
  runType: string,
  metadataKeys: readonly string[],
  renderMetadata: (value: unknown) => unknown,
): Record<string, unknown> {
  if (!run) return { run_id: runId, parent_run_id: parentRunId, run_type: runType };
  const record: Record<string, unknown> = {
    run_id: run.runId,
    parent_run_id: run.parentRunId,
    root_run_id: run.traceId,
    depth: run.depth,
    run_type: run.runType,
    run_name: run.name,
  };
  // Left out when empty: a nested value is the dearest kind of field for pino to write.
  if (run.tags.length > 0) record.tags = safeTags(run.tags);
  const metadata = run.metadata;
  if (metadataKeys.length > 0) {
    let picked: Record<string, unknown> | undefined;
    for (const key of metadataKeys) {
      if (!Object.hasOwn(metadata, key)) continue;
      picked ??= {};
      picked[key] = renderMetadata(metadata[key]);
    }
    if (picked) record.metadata = picked;
  }
  const node = metadata.langgraph_node;
  if (typeof node === "string") record.langgraph_node = truncate(node, MAX_TAG_LENGTH);
  const step = metadata.langgraph_step;
  if (typeof step === "number") record.langgraph_step = step;
  const otel = run.state.otel;
  if (otel) {
    record.trace_id = otel.trace_id;
    record.span_id = otel.span_id;
    record.trace_flags = otel.trace_flags;
  }
  return record;
}
