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
  const fresh = new AIMessageChunk({
    content: textContent(message?.content, released),
    id: message?.id,
    tool_call_chunks: tools.filter(
      (tool) => tool.args !== "" || tool.name !== undefined || tool.id !== undefined,
    ),
    response_metadata: redactValue(message?.response_metadata ?? {}),
    usage_metadata: message?.usage_metadata,
    additional_kwargs: redactValue(kwargs),
  });
  return { ...rest, chunk: new ChatGenerationChunk({ text: released, message: fresh, generationInfo }) };
}
