import { finishReason, normalizeMessage, type TokenUsage, truncate } from "@chainwatch/core";
import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from "./semconv.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * The invocation parameters each request attribute is read from, first match wins: LangChain's providers spell
 * them their own way (`max_tokens`, `max_completion_tokens`, `maxTokens`, `max_output_tokens`, …).
 */
const REQUEST_PARAMETERS: readonly (readonly [string, readonly string[]])[] = [
  [ATTR_GEN_AI_REQUEST_TEMPERATURE, ["temperature"]],
  [
    ATTR_GEN_AI_REQUEST_MAX_TOKENS,
    [
      "max_tokens",
      "max_completion_tokens",
      "maxTokens",
      "max_output_tokens",
      "maxOutputTokens",
      "num_predict",
    ],
  ],
  [ATTR_GEN_AI_REQUEST_TOP_P, ["top_p", "topP"]],
  [ATTR_GEN_AI_REQUEST_TOP_K, ["top_k", "topK"]],
  [ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, ["frequency_penalty", "frequencyPenalty"]],
  [ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, ["presence_penalty", "presencePenalty"]],
  [ATTR_GEN_AI_REQUEST_SEED, ["seed"]],
];

/**
 * The request parameters of a model call from LangChain's `invocation_params`. Reads named numeric fields only:
 * the parameters can hold an API key or headers, which never reach an attribute.
 */
export function requestAttributes(
  params: Readonly<Record<string, unknown>> | undefined,
  into: Attributes,
): void {
  if (params === undefined) return;
  for (const [attribute, keys] of REQUEST_PARAMETERS) {
    for (const key of keys) {
      const value = finite(params[key]);
      if (value !== undefined) {
        into[attribute] = value;
        break;
      }
    }
  }
  const choices = finite(params.n);
  if (choices !== undefined && choices !== 1) into[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = choices;
  const stop = params.stop ?? params.stop_sequences ?? params.stopSequences;
  if (typeof stop === "string") into[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [stop];
  else if (Array.isArray(stop) && stop.every((item) => typeof item === "string")) {
    into[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop as string[];
  }
}

/** Token usage as the conventions' `gen_ai.usage.*` attributes (input includes cached, output includes reasoning). */
export function usageAttributes(usage: TokenUsage, into: Attributes): void {
  if (usage.inputTokens !== undefined) into[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
  if (usage.outputTokens !== undefined) into[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
  if (usage.cacheReadTokens !== undefined)
    into[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined) {
    into[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheWriteTokens;
  }
  if (usage.reasoningTokens !== undefined) {
    into[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
  }
}

/** The finish reason of every generation of a model result (one per choice), in order. */
export function finishReasons(output: unknown): string[] {
  const reasons: string[] = [];
  const generations = isRecord(output) ? output.generations : undefined;
  if (!Array.isArray(generations)) return reasons;
  for (const batch of generations) {
    if (!Array.isArray(batch)) continue;
    for (const generation of batch) {
      const reason = finishReason({ generations: [[generation]] });
      if (reason !== undefined) reasons.push(reason);
    }
  }
  return reasons;
}

/** The provider's response id (`chatcmpl-…`): the final message's `id`, else its `response_metadata.id`. */
export function responseId(message: Record<string, unknown> | undefined): string | undefined {
  if (message === undefined) return undefined;
  if (typeof message.id === "string" && message.id !== "") return message.id;
  const metadata = message.response_metadata;
  return isRecord(metadata) && typeof metadata.id === "string" ? metadata.id : undefined;
}

/**
 * A low-cardinality `error.type`: LangChain's `lc_error_code`, else the HTTP status code, else the error's class
 * name (never its message), else `_OTHER` as the conventions ask. LangChain hands handlers an aborted call as
 * `Error("AbortError")`, which is reported as `AbortError`.
 */
export function errorType(error: unknown): string {
  if (!isRecord(error)) return "_OTHER";
  if (typeof error.lc_error_code === "string" && error.lc_error_code !== "") return error.lc_error_code;
  const status = finite(error.status) ?? finite(error.statusCode);
  if (status !== undefined && Number.isInteger(status)) return String(status);
  const message = typeof error.message === "string" ? error.message : "";
  if (message === "AbortError" || message === "TimeoutError") return message;
  const name = typeof error.name === "string" ? error.name : "";
  if (name !== "" && name !== "Error") return name;
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === "string" && constructorName !== "" && constructorName !== "Error"
    ? constructorName
    : "_OTHER";
}

/** A message in the conventions' `gen_ai.input.messages` / `gen_ai.output.messages` JSON shape. */
interface ConventionMessage {
  role: string;
  parts: Record<string, unknown>[];
  name?: string;
  finish_reason?: string;
}

function conventionMessage(message: unknown): ConventionMessage {
  const normalized = normalizeMessage(message);
  const role =
    normalized.role === "human"
      ? "user"
      : normalized.role === "ai"
        ? "assistant"
        : normalized.role === "tool"
          ? "tool"
          : normalized.role;
  const parts: Record<string, unknown>[] = [];
  if (normalized.toolCallId !== undefined) {
    const text = normalized.parts.map((part) => part.text ?? "").join("");
    parts.push({ type: "tool_call_response", id: normalized.toolCallId, response: text });
  } else {
    for (const part of normalized.parts) {
      if (part.kind === "text") parts.push({ type: "text", content: part.text ?? "" });
      else if (part.kind === "reasoning") parts.push({ type: "reasoning", content: part.text ?? "" });
      // Inline media is summarised by its kind and size, never copied into a span.
      else
        parts.push({ type: part.kind, ...(part.dataLength !== undefined ? { size: part.dataLength } : {}) });
    }
  }
  for (const call of normalized.toolCalls) {
    parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.args });
  }
  const result: ConventionMessage = { role, parts };
  if (normalized.name !== undefined) result.name = normalized.name;
  return result;
}

function json(value: unknown, max: number): string {
  try {
    return truncate(JSON.stringify(value) ?? "", max);
  } catch {
    return "";
  }
}

/**
 * The input messages of a chat call as `gen_ai.input.messages` and `gen_ai.system_instructions` (system messages
 * taken out, as the conventions ask), truncated to `max` characters each.
 */
export function inputMessageAttributes(
  messages: readonly unknown[],
  max: number,
  into: Attributes,
  inputAttribute: string,
  systemAttribute: string,
): void {
  const input: ConventionMessage[] = [];
  const system: Record<string, unknown>[] = [];
  for (const message of messages) {
    const converted = conventionMessage(message);
    if (converted.role === "system") system.push(...converted.parts);
    else input.push(converted);
  }
  into[inputAttribute] = json(input, max);
  if (system.length > 0) into[systemAttribute] = json(system, max);
}

/** The output messages of a model result as `gen_ai.output.messages`, truncated to `max` characters. */
export function outputMessagesJson(output: unknown, max: number): string {
  const messages: ConventionMessage[] = [];
  const generations = isRecord(output) ? output.generations : undefined;
  if (Array.isArray(generations)) {
    for (const batch of generations) {
      if (!Array.isArray(batch)) continue;
      for (const generation of batch) {
        if (!isRecord(generation)) continue;
        const message = isRecord(generation.message)
          ? conventionMessage(generation.message)
          : { role: "assistant", parts: [{ type: "text", content: String(generation.text ?? "") }] };
        message.role = "assistant";
        const reason = finishReason({ generations: [[generation]] });
        if (reason !== undefined) message.finish_reason = reason;
        messages.push(message);
      }
    }
  }
  return json(messages, max);
}

/** Any value as bounded text for a content attribute (strings as they are, the rest as JSON). */
export function contentText(value: unknown, max: number): string {
  return typeof value === "string" ? truncate(value, max) : json(value, max);
}
