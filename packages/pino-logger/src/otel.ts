import { createRequire } from "node:module";

/** The OpenTelemetry fields of a record: the span active when the run started. */
export interface OtelFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** The slice of `@opentelemetry/api` the handler uses. */
interface OtelApi {
  trace: { getActiveSpan(): { spanContext(): SpanContextLike } | undefined };
  isSpanContextValid(context: SpanContextLike): boolean;
}

let api: OtelApi | null | undefined;

/**
 * `@opentelemetry/api` when the application has it installed, else null; looked up once. It is an optional peer:
 * a missing or broken install just means records carry no `trace_id`/`span_id`.
 */
function otelApi(): OtelApi | null {
  if (api !== undefined) return api;
  try {
    const loaded = createRequire(import.meta.url)("@opentelemetry/api") as Partial<OtelApi>;
    api =
      typeof loaded.trace?.getActiveSpan === "function" && typeof loaded.isSpanContextValid === "function"
        ? (loaded as OtelApi)
        : null;
  } catch {
    api = null;
  }
  return api;
}

/** `trace_id`, `span_id` and `trace_flags` of the active span, when OpenTelemetry is installed and a span is active. */
export function activeSpanFields(): OtelFields | undefined {
  const otel = otelApi();
  if (!otel) return undefined;
  try {
    const context = otel.trace.getActiveSpan()?.spanContext();
    if (!context || !otel.isSpanContextValid(context)) return undefined;
    return {
      trace_id: context.traceId,
      span_id: context.spanId,
      trace_flags: `0${context.traceFlags.toString(16)}`.slice(-2),
    };
  } catch {
    return undefined;
  }
}
