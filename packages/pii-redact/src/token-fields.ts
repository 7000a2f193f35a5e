import { AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk, GenerationChunk } from "@langchain/core/outputs";
import type { ToolCallChunk } from "./token-buffers.js";

interface TokenFields {
  chunk?: unknown;
}

interface MessageLike {
  content?: unknown;
  id?: string;
  response_metadata?: Record<string, unknown>;
  usage_metadata?: AIMessageChunk["usage_metadata"];
  additional_kwargs?: Record<string, unknown>;
  tool_call_chunks?: ToolCallChunk[];
}

function textContent(content: unknown, released: string): AIMessageChunk["content"] {
  if (!Array.isArray(content)) return released;
  let placed = false;
  return content.map((part: unknown) => {
    if (typeof part !== "object" || part === null || (part as { type?: unknown }).type !== "text")
      return part;
    const text = placed ? "" : released;
    placed = true;
    return { ...(part as object), text };
  }) as AIMessageChunk["content"];
}

/** The tool-call fragments of a token callback's chunk, if any. */
export function toolCallChunksOf(fields: unknown): ToolCallChunk[] {
  const message = (fields as { chunk?: { message?: MessageLike } } | undefined)?.chunk?.message;
  return Array.isArray(message?.tool_call_chunks) ? message.tool_call_chunks : [];
}

/** The own keys of an `AIMessageChunk` without tool-call fragments: what {@link copyMessage} knows how to copy. */
const MESSAGE_KEYS = new Set<PropertyKey>([
  "lc_serializable",
  "lc_kwargs",
  "lc_namespace",
  "id",
  "name",
  "content",
  "additional_kwargs",
  "response_metadata",
  "type",
  "tool_calls",
  "invalid_tool_calls",
  "tool_call_chunks",
  "usage_metadata",
]);

/**
 * A copy of a message chunk carrying no tool-call fragments, with the fields the constructor would give it: the
 * same prototype and markers, fresh `lc_kwargs`, no raw field left. `new AIMessageChunk()` costs about 6 µs (it
 * rebuilds every field through the serializable machinery), and a token callback pays it on every token; this
 * costs a fraction of that. Undefined when the message has a field it does not know (then the constructor runs).
 */
export function copyMessage(
  message: MessageLike,
  fields: Required<Pick<MessageLike, "content">> & MessageLike,
) {
  // Only a built message (the flush's placeholder `{}` is not one: the constructor makes it a message).
  if (typeof (message as { lc_kwargs?: unknown }).lc_kwargs !== "object") return undefined;
  for (const key of Reflect.ownKeys(message)) {
    if (typeof key === "symbol") continue;
    if (!MESSAGE_KEYS.has(key)) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(message, key);
    // An accessor (the lazy tool-call getters) means fragments: the constructor's path.
    if (descriptor === undefined || !("value" in descriptor)) return undefined;
  }
  const kwargs = {
    content: fields.content,
    id: fields.id,
    tool_call_chunks: [],
    response_metadata: fields.response_metadata,
    usage_metadata: fields.usage_metadata,
    additional_kwargs: fields.additional_kwargs,
    tool_calls: [],
    invalid_tool_calls: [],
  };
  const copy = Object.create(Object.getPrototypeOf(message)) as Record<PropertyKey, unknown>;
  // Symbol-keyed markers (`Symbol(langchain.message)`) say what the object is; they carry no content.
  for (const key of Object.getOwnPropertySymbols(message)) {
    copy[key] = (message as Record<PropertyKey, unknown>)[key];
  }
  copy.lc_serializable = (message as { lc_serializable?: unknown }).lc_serializable;
  copy.lc_kwargs = kwargs;
  copy.lc_namespace = (message as { lc_namespace?: unknown }).lc_namespace;
  copy.id = fields.id;
  copy.name = undefined;
  copy.content = fields.content;
  copy.additional_kwargs = fields.additional_kwargs;
  copy.response_metadata = fields.response_metadata;
  copy.type = (message as { type?: unknown }).type;
  copy.tool_calls = [];
  copy.invalid_tool_calls = [];
  copy.tool_call_chunks = [];
  copy.usage_metadata = fields.usage_metadata;
  return copy;
}

/**
 * The `fields` of a token callback rebuilt around what the stream redactors released: a fresh chunk whose text,
 * content and tool-call fragments are the released (redacted) text, so neither the raw token nor the raw
 * argument fragment survives anywhere in it (`chunk.text`, `message.content`, `lc_kwargs`, the tool calls
 * LangChain parses from fragments, the provider's raw delta in `additional_kwargs`). Other fields are redacted.
 */
export function redactTokenFields(
  fields: unknown,
  released: string,
  tools: readonly ToolCallChunk[],
  redactValue: <T>(value: T) => T,
): unknown {
  const { chunk, ...others } = (fields ?? {}) as TokenFields;
  const rest = redactValue(others);
  const message = (chunk as { message?: MessageLike } | undefined)?.message;
  const generationInfo = redactValue((chunk as { generationInfo?: Record<string, unknown> })?.generationInfo);
  if (chunk !== undefined && message === undefined) {
    return { ...rest, chunk: new GenerationChunk({ text: released, generationInfo }) };
  }
  const {
    tool_calls: _rawToolCalls,
    function_call: _rawFunctionCall,
    ...kwargs
  } = message?.additional_kwargs ?? {};
  const toolCallChunks = tools.filter(
    (tool) => tool.args !== "" || tool.name !== undefined || tool.id !== undefined,
  );
  const messageFields = {
    content: textContent(message?.content, released),
    id: message?.id,
    tool_call_chunks: toolCallChunks,
    response_metadata: redactValue(message?.response_metadata ?? {}),
    usage_metadata: message?.usage_metadata,
    additional_kwargs: redactValue(kwargs),
  };
  const copied =
    toolCallChunks.length === 0 && typeof message === "object" && message !== null
      ? copyMessage(message, messageFields)
      : undefined;
  const fresh = copied ?? new AIMessageChunk(messageFields);
  return {
    ...rest,
    chunk: new ChatGenerationChunk({ text: released, message: fresh as AIMessageChunk, generationInfo }),
  };
}
