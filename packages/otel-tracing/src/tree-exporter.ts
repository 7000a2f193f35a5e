import {
  type Attributes,
  type HrTime,
  type SpanContext,
  type SpanStatus,
  SpanStatusCode,
} from "@opentelemetry/api";

/**
 * What the exporter reads of a finished span: a subset of the SDK's `ReadableSpan`, so that any SDK span fits
 * and this package needs no SDK at run time.
 */
export interface TreeSpan {
  readonly name: string;
  readonly spanContext: () => SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
}

/** The SDK's export result: `0` succeeded, `1` failed. */
export interface TreeExportResult {
  code: 0 | 1;
  error?: Error;
}

/** Options of {@link TreeSpanExporter}. */
export interface TreeSpanExporterOptions {
  /**
   * Where the trees are written.
   * @default process.stdout
   */
  write?: (text: string) => void;
  /**
   * Colours (dim attributes, red errors).
   * @default true when writing to process.stdout and it is a TTY
   */
  colors?: boolean;
  /**
   * The most spans buffered while waiting for their trace's root to end; past it the oldest trace is printed as
   * it stands, so that an unfinished trace cannot hold memory.
   * @default 10000
   */
  maxBufferedSpans?: number;
}

/** The attributes shown after a span's name, in this order, with their short labels. */
const SHOWN: readonly (readonly [string, string])[] = [
  ["gen_ai.response.model", "model"],
  ["gen_ai.usage.input_tokens", "in"],
  ["gen_ai.usage.output_tokens", "out"],
  ["gen_ai.usage.cache_read.input_tokens", "cached"],
  ["gen_ai.usage.reasoning.output_tokens", "reasoning"],
  ["gen_ai.response.time_to_first_chunk", "ttfc"],
  ["gen_ai.response.finish_reasons", "finish"],
  ["gen_ai.tool.call.id", "call"],
  ["chainwatch.cost.usd", "cost"],
  ["error.type", "error"],
  ["langchain.run.evicted", "evicted"],
];

function millis(time: HrTime): number {
  return time[0] * 1e3 + time[1] / 1e6;
}

function duration(span: TreeSpan): string {
  const ms = millis(span.endTime) - millis(span.startTime);
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function shown(key: string, value: unknown): string {
  if (key === "chainwatch.cost.usd" && typeof value === "number") return `$${value.toFixed(6)}`;
  if (key === "gen_ai.response.time_to_first_chunk" && typeof value === "number") {
    return `${Math.round(value * 1000)} ms`;
  }
  return Array.isArray(value) ? value.join(",") : String(value);
}

/**
 * An OpenTelemetry span exporter that prints each trace as a tree to a terminal, for local debugging: span
 * names, durations, the GenAI attributes that matter (model, tokens, time to first chunk, cost, errors).
 * A trace is printed when its root span ends (a span with no parent, or a remote one), or at `forceFlush()` and
 * `shutdown()`. Use it with a `SimpleSpanProcessor`.
 *
 * @example
 * ```ts
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new SimpleSpanProcessor(new TreeSpanExporter())],
 * });
 * // invoke_agent LangGraph  1.21 s
 * // ├─ chat gpt-4o-mini  402 ms  model=gpt-4o-mini-2024-07-18 in=42 out=12
 * // └─ execute_tool get_weather  2.1 ms  call=call_1
 * ```
 */
export class TreeSpanExporter {
  private readonly write: (text: string) => void;
  private readonly colors: boolean;
  private readonly maxBufferedSpans: number;
  /** Finished spans by trace id, until the trace's root ends. */
  private readonly traces = new Map<string, TreeSpan[]>();
  private buffered = 0;

  constructor(options: TreeSpanExporterOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== "write" && key !== "colors" && key !== "maxBufferedSpans") {
        throw new TypeError(
          `TreeSpanExporter: unknown option ${JSON.stringify(key)} (known: write, colors, maxBufferedSpans)`,
        );
      }
    }
    this.write = options.write ?? ((text) => process.stdout.write(text));
    this.colors = options.colors ?? (options.write === undefined && process.stdout.isTTY === true);
    this.maxBufferedSpans = options.maxBufferedSpans ?? 10_000;
  }

  /** Buffers the spans and prints every trace whose root has ended. */
  export(spans: readonly TreeSpan[], resultCallback: (result: TreeExportResult) => void): void {
    try {
      for (const span of spans) {
        const traceId = span.spanContext().traceId;
        let trace = this.traces.get(traceId);
        if (trace === undefined) {
          trace = [];
          this.traces.set(traceId, trace);
        }
        trace.push(span);
        this.buffered++;
        if (span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true)
          this.flushTrace(traceId);
      }
      while (this.buffered > this.maxBufferedSpans) {
        const oldest = this.traces.keys().next();
        if (oldest.done) break;
        this.flushTrace(oldest.value);
      }
      resultCallback({ code: 0 });
    } catch (error) {
      resultCallback({ code: 1, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  /** Prints every buffered trace, finished or not. */
  forceFlush(): Promise<void> {
    for (const traceId of [...this.traces.keys()]) this.flushTrace(traceId);
    return Promise.resolve();
  }

  /** Prints every buffered trace. */
  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  /** The tree of one trace's spans as text (exposed for callers that print elsewhere). */
  render(spans: readonly TreeSpan[]): string {
    const ids = new Set(spans.map((span) => span.spanContext().spanId));
    const children = new Map<string, TreeSpan[]>();
    const roots: TreeSpan[] = [];
    for (const span of spans) {
      const parentId = span.parentSpanContext?.spanId;
      if (parentId === undefined || !ids.has(parentId)) roots.push(span);
      else {
        const list = children.get(parentId) ?? [];
        list.push(span);
        children.set(parentId, list);
      }
    }
    const byStart = (a: TreeSpan, b: TreeSpan) => millis(a.startTime) - millis(b.startTime);
    const lines: string[] = [];
    const visit = (span: TreeSpan, prefix: string, branch: string, childPrefix: string) => {
      lines.push(`${prefix}${branch}${this.line(span)}`);
      const kids = (children.get(span.spanContext().spanId) ?? []).sort(byStart);
      kids.forEach((child, index) => {
        const last = index === kids.length - 1;
        visit(child, prefix + childPrefix, last ? "└─ " : "├─ ", last ? "   " : "│  ");
      });
    };
    for (const root of roots.sort(byStart)) visit(root, "", "", "");
    return `${lines.join("\n")}\n`;
  }

  private line(span: TreeSpan): string {
    const details: string[] = [];
    for (const [key, label] of SHOWN) {
      const value = span.attributes[key];
      // Zero cached or reasoning tokens is the common case: not worth a column.
      if (
        value === undefined ||
        value === null ||
        (value === 0 && (label === "cached" || label === "reasoning"))
      )
        continue;
      details.push(`${label}=${shown(key, value)}`);
    }
    const failed = span.status.code === SpanStatusCode.ERROR;
    const name = failed ? this.paint(`${span.name} ✗`, 31) : span.name;
    const text = details.length > 0 ? `  ${this.paint(details.join(" "), 2)}` : "";
    return `${name}  ${duration(span)}${text}`;
  }

  private paint(text: string, code: number): string {
    return this.colors ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  private flushTrace(traceId: string): void {
    const spans = this.traces.get(traceId);
    if (spans === undefined) return;
    this.traces.delete(traceId);
    this.buffered -= spans.length;
    this.write(this.render(spans));
  }
}
