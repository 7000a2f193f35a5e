import {
  extractUsage,
  finishReason,
  firstMessage,
  outputText,
  responseModel,
  type TrackedRun,
  toolCallsFromOutput,
  truncate,
} from "@chainwatch/core";
import type { ContentPolicy } from "./content.js";
import { milliseconds, type RunLogState, usageFields } from "./records.js";
import type { LogRecord } from "./writer.js";

/**
 * Adds what an LLM result tells to an `llm.end` record: the model that answered, timing, tokens per second,
 * usage, finish reason, tool calls and (content permitting) the output text. Reads named fields only.
 */
export function addLlmResult(
  record: LogRecord,
  run: TrackedRun<RunLogState> | undefined,
  output: unknown,
  endTime: number,
  content: ContentPolicy,
): void {
  const answered = responseModel(output);
  if (answered !== undefined) {
    if (run?.model !== undefined && run.model !== answered) record.requested_model = run.model;
    record.model = answered;
  }
  const usage = extractUsage(output);
  if (run) {
    const duration = endTime - run.startTime;
    record.duration_ms = milliseconds(duration);
    const ttft = run.firstTokenTime === undefined ? undefined : run.firstTokenTime - run.startTime;
    if (ttft !== undefined) record.ttft_ms = milliseconds(ttft);
    // Generation speed: after the first token when streamed, else over the whole call.
    const generating = duration - (ttft ?? 0);
    const outputTokens = usage?.outputTokens;
    if (outputTokens && generating > 0) {
      record.tokens_per_second = Math.round((outputTokens / generating) * 10_000) / 10;
    }
    record.streamed = run.state.streamed;
  }
  if (usage) record.usage = usageFields(usage);
  const reason = finishReason(output);
  if (reason !== undefined) record.finish_reason = truncate(reason, 100);
  const message = firstMessage(output);
  const calls =
    Array.isArray(message?.tool_calls) && message.tool_calls.length > 0 ? toolCallsFromOutput(output) : [];
  if (calls.length > 0) {
    record.tool_calls = calls.slice(0, 100).map((call) => {
      const entry: LogRecord = { name: truncate(call.name, 200), id: call.id };
      content.add(entry, "llm.end", "tool_calls.args", call.args, "args");
      return entry;
    });
  }
  const text = content.enabled ? outputText(output) : "";
  if (text !== "") content.add(record, "llm.end", "output", text);
}
