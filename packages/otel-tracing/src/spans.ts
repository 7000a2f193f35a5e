import type { TrackedRun } from "@chainwatch/core";
import { type Attributes, type Span, SpanStatusCode } from "@opentelemetry/api";
import { errorType } from "./attributes.js";
import { ATTR_ERROR_TYPE } from "./semconv.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * Secrets that can appear in a provider's error message or stack (a key echoed back by a 401, a bearer token):
 * masked before an exception event is written, so no key reaches a span.
 */
const SECRET = /\b(sk-[A-Za-z0-9_*-]{6,}|Bearer\s+[A-Za-z0-9._~+/=-]{6,}|(?:api[_-]?key|token)=[^\s&]{6,})/gi;

function masked(text: string): string {
  return text.replace(SECRET, "[REDACTED]");
}

/** Ends `span` as failed: status ERROR, `error.type`, and an `exception` event with secrets masked. */
export function endWithError(span: Span, error: unknown): void {
  const type = errorType(error);
  const message =
    isRecord(error) && typeof error.message === "string" ? masked(error.message) : String(error);
  const attributes: Attributes = { "exception.type": type, "exception.message": message };
  if (isRecord(error) && typeof error.stack === "string")
    attributes["exception.stacktrace"] = masked(error.stack);
  span.addEvent("exception", attributes);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/**
 * Whether a chain run is the root of an agent: a LangChain v1 `createAgent` graph or a LangGraph graph, and not
 * one of its nodes (nodes carry `langgraph_node`, except a graph started inside a tool: an agent used as a tool).
 */
export function isAgentRoot(run: TrackedRun<unknown>, parent: TrackedRun<unknown> | undefined): boolean {
  const graph = run.name === "LangGraph" || run.metadata.ls_integration === "langchain_create_agent";
  if (!graph) return false;
  return run.metadata.langgraph_node === undefined || parent?.runType === "tool";
}
