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

/** LangChain's mark of a message object (`BaseMessage.isInstance` reads it). */
const MESSAGE_SYMBOL = Symbol.for("langchain.message");

/**
 * A copy of a message chunk with the fields the constructor would give it and no tool-call fragments: the same
 * prototype, type and markers, fresh `lc_kwargs`, and nothing else of the original (its raw fields are not
 * carried, as with the constructor). `new AIMessageChunk()` costs about 6 µs (it rebuilds every field through
 * the serializable machinery) and a token callback would pay it on every token; this costs a fraction of that.
 * Undefined for an object that is not a built AI message (then the constructor runs).
 */
export function copyMessage(
  message: MessageLike,
  fields: Required<Pick<MessageLike, "content">> & MessageLike,
): object | undefined {
  const source = message as Record<PropertyKey, unknown>;
  if (typeof source.lc_kwargs !== "object" || source.lc_kwargs === null || source.type !== "ai")
    return undefined;
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
  if (MESSAGE_SYMBOL in source) copy[MESSAGE_SYMBOL] = source[MESSAGE_SYMBOL];
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

/** Whether a token callback's fields hold nothing but `chunk` (no other own key, enumerable or not). */
function onlyChunk(fields: unknown): boolean {
  if (typeof fields !== "object" || fields === null) return true;
  const names = Object.getOwnPropertyNames(fields);
  return (
    (names.length === 0 || (names.length === 1 && names[0] === "chunk")) &&
    Object.getOwnPropertySymbols(fields).length === 0
  );
}

/** A built message for the flush's placeholder to be copied from (built once: the constructor is the cost). */
let template: AIMessageChunk | undefined;

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
  // Most token callbacks carry the chunk alone: nothing else to redact.
  const rest = onlyChunk(fields) ? others : redactValue(others);
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
  let copied: unknown;
  if (toolCallChunks.length === 0 && typeof message === "object" && message !== null) {
    copied = copyMessage(message, messageFields);
    // The placeholder of a run's last (held-back) token: copied from a built message, like a streamed one.
    if (copied === undefined && Reflect.ownKeys(message).length === 0) {
      template ??= new AIMessageChunk({ content: "" });
      copied = copyMessage(template, messageFields);
    }
  }
  const fresh = copied ?? new AIMessageChunk(messageFields);
  return {
    ...rest,
    chunk: new ChatGenerationChunk({ text: released, message: fresh as AIMessageChunk, generationInfo }),
  };
}
