import { safeStringify, type ToolCallInfo, truncate } from "@chainwatch/core";
import type { Palette } from "./color.js";
import type { ProgressRecord, RunSummaryRecord, StreamFormat } from "./types.js";

/** Longest tool-call argument list printed on a `→` line, in characters. */
const MAX_ARGS_CHARS = 200;
/** Longest tool result printed on a `←` line, in characters. */
const MAX_RESULT_CHARS = 120;

/** Turns what a run produces into the characters written for one output format. */
export interface EventFormat {
  /** Text output: lines are closed at a run's end and may carry a run label; events are self-contained. */
  readonly text: boolean;
  token(runId: string, text: string): string;
  reasoning(runId: string, text: string): string;
  toolCall(runId: string, call: ToolCallInfo): string;
  toolResult(runId: string, name: string, result: string, failed: boolean): string;
  end(runId: string, summary: RunSummaryRecord): string;
  error(runId: string, message: string): string;
  progress(record: ProgressRecord): string;
}

function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, " ").trim(), max);
}

function argsText(args: unknown): string {
  return oneLine(typeof args === "string" ? args : safeStringify(args), MAX_ARGS_CHARS);
}

class TextFormat implements EventFormat {
  readonly text = true;
  constructor(private readonly palette: Palette) {}
  token(_runId: string, text: string): string {
    return text;
  }
  reasoning(_runId: string, text: string): string {
    return this.palette.dim(text);
  }
  toolCall(_runId: string, call: ToolCallInfo): string {
    return `${this.palette.cyan(`→ ${call.name}(${argsText(call.args)})`)}\n`;
  }
  toolResult(_runId: string, name: string, result: string, failed: boolean): string {
    const line = failed
      ? this.palette.red(`← ${name} failed: ${oneLine(result, MAX_RESULT_CHARS)}`)
      : this.palette.dim(`← ${oneLine(result, MAX_RESULT_CHARS)}`);
    return `${line}\n`;
  }
  end(): string {
    return "";
  }
  error(): string {
    return "";
  }
  progress(record: ProgressRecord): string {
    return `${this.palette.dim(progressLine(record))}\n`;
  }
}

/** A progress event as a line a person reads. */
function progressLine(record: ProgressRecord): string {
  const took = record.durationMs === undefined ? "" : ` (${Math.round(record.durationMs)} ms)`;
  switch (record.event) {
    case "run-start":
      return `▸ ${record.name ?? "run"} started`;
    case "model-start":
      return `▸ calling ${record.model ?? record.name ?? "the model"}`;
    case "tool-start":
      return `▸ calling ${record.name ?? "a tool"}${record.input === undefined ? "" : `(${record.input})`}`;
    case "tool-end":
      return `◂ ${record.name ?? "tool"} ${record.failed ? "failed" : "done"}${took}`;
    case "retriever-start":
      return `▸ searching ${record.name ?? "documents"}`;
    case "retriever-end":
      return `◂ ${record.failed ? "search failed" : `${record.documents ?? 0} documents`}${took}`;
    case "run-end":
      return `■ done${took}${record.usage ? `, ${record.usage.totalTokens} tokens` : ""}`;
    case "run-error":
      return `✗ failed: ${record.errorType ?? "error"}${took}`;
  }
}

/**
 * Event data is always whole JSON: long strings inside are cut (tool results can be large), the document never.
 */
function json(value: unknown): string {
  return safeStringify(value, { maxLength: Number.POSITIVE_INFINITY, maxStringLength: 8192 });
}

/** JSON of an event's data; run ids are UUIDs and need no escaping, text always goes through JSON.stringify. */
function tokenData(runId: string, text: string): string {
  return `{"runId":"${runId}","text":${JSON.stringify(text)}}`;
}

function toolCallData(runId: string, call: ToolCallInfo): string {
  return json({ runId, id: call.id, name: call.name, args: call.args });
}

function toolResultData(runId: string, name: string, result: string, failed: boolean): string {
  return json({ runId, name, result, failed });
}

/** Server-Sent Events: `event: <name>` and one `data:` line of JSON (JSON never contains a raw newline). */
class SseFormat implements EventFormat {
  readonly text = false;
  token(runId: string, text: string): string {
    return `event: token\ndata: ${tokenData(runId, text)}\n\n`;
  }
  reasoning(runId: string, text: string): string {
    return `event: reasoning\ndata: ${tokenData(runId, text)}\n\n`;
  }
  toolCall(runId: string, call: ToolCallInfo): string {
    return `event: tool-call\ndata: ${toolCallData(runId, call)}\n\n`;
  }
  toolResult(runId: string, name: string, result: string, failed: boolean): string {
    return `event: tool-result\ndata: ${toolResultData(runId, name, result, failed)}\n\n`;
  }
  end(runId: string, summary: RunSummaryRecord): string {
    return `event: end\ndata: ${json({ runId, ...summary })}\n\n`;
  }
  error(runId: string, message: string): string {
    return `event: error\ndata: ${json({ runId, message })}\n\n`;
  }
  progress(record: ProgressRecord): string {
    const { event, ...data } = record;
    return `event: ${event}\ndata: ${json(data)}\n\n`;
  }
}

/**
 * Newline-delimited JSON: one object a line, its kind in `event`. Over a WebSocket (`lineEnd` ""), the same
 * objects, one a message.
 */
class JsonFormat implements EventFormat {
  readonly text = false;
  constructor(private readonly lineEnd: string) {}
  token(runId: string, text: string): string {
    return `{"event":"token","runId":"${runId}","text":${JSON.stringify(text)}}${this.lineEnd}`;
  }
  reasoning(runId: string, text: string): string {
    return `{"event":"reasoning","runId":"${runId}","text":${JSON.stringify(text)}}${this.lineEnd}`;
  }
  toolCall(runId: string, call: ToolCallInfo): string {
    return `${json({ event: "tool-call", runId, id: call.id, name: call.name, args: call.args })}${this.lineEnd}`;
  }
  toolResult(runId: string, name: string, result: string, failed: boolean): string {
    return `${json({ event: "tool-result", runId, name, result, failed })}${this.lineEnd}`;
  }
  end(runId: string, summary: RunSummaryRecord): string {
    return `${json({ event: "end", runId, ...summary })}${this.lineEnd}`;
  }
  error(runId: string, message: string): string {
    return `${json({ event: "error", runId, message })}${this.lineEnd}`;
  }
  progress(record: ProgressRecord): string {
    return `${json(record)}${this.lineEnd}`;
  }
}

/** The format for an option value. */
export function eventFormat(format: StreamFormat | "message", palette: Palette): EventFormat {
  if (format === "sse") return new SseFormat();
  if (format === "ndjson") return new JsonFormat("\n");
  if (format === "message") return new JsonFormat("");
  return new TextFormat(palette);
}

/** Headers an HTTP response needs before it carries `format: "sse"` output. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
});

/** The footer line: model, time to first token, tokens per second, usage. */
export function footerLine(summary: RunSummaryRecord, palette: Palette): string {
  const parts: string[] = [];
  if (summary.model) parts.push(summary.model);
  if (summary.ttftMs !== undefined) parts.push(`ttft ${Math.round(summary.ttftMs)} ms`);
  if (summary.tokensPerSecond !== undefined) parts.push(`${summary.tokensPerSecond.toFixed(1)} tok/s`);
  const usage = summary.usage;
  if (usage) {
    const counts = [
      usage.inputTokens === undefined ? "" : `in ${usage.inputTokens}`,
      usage.outputTokens === undefined ? "" : `out ${usage.outputTokens}`,
      usage.totalTokens === undefined ? "" : `total ${usage.totalTokens}`,
    ].filter(Boolean);
    if (counts.length > 0) parts.push(counts.join(" "));
  }
  return `${palette.dim(`[${summary.run}] ${parts.join(" · ")}`)}\n`;
}
