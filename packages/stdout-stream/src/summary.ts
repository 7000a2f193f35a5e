import { extractUsage, finishReason, resolveModel, type TrackedRun } from "@chainwatch/core";
import type { RunSummaryRecord } from "./types.js";

/** The short label of a run: the end of its trace id (run ids are UUID v7, whose start is a timestamp). */
export function runLabel(traceId: string): string {
  return traceId.slice(-4);
}

/** Time to first token, tokens per second and usage of a finished LLM run. */
export function summarize(
  run: TrackedRun<{ tokens: number; label: string }>,
  output: unknown,
  endTime: number,
): RunSummaryRecord {
  const usage = extractUsage(output);
  const ttftMs = run.firstTokenTime === undefined ? undefined : run.firstTokenTime - run.startTime;
  const outputTokens = usage?.outputTokens ?? run.state.tokens;
  const streamingMs = run.firstTokenTime === undefined ? 0 : endTime - run.firstTokenTime;
  return {
    run: run.state.label,
    model: resolveModel({ model: run.model, provider: run.provider }, output).model,
    ttftMs,
    tokensPerSecond: streamingMs > 0 && outputTokens > 0 ? (outputTokens * 1000) / streamingMs : undefined,
    usage: usage
      ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, totalTokens: usage.totalTokens }
      : undefined,
    finishReason: finishReason(output),
  };
}
