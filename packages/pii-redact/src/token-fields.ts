import { AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import type { Redactor } from "./redactor.js";

interface TokenFields {
  chunk?: unknown;
}

function textContent(content: unknown, released: string): unknown {
  if (typeof content === "string") return released;
  if (!Array.isArray(content)) return content;
  let placed = false;
  return content.map((part: unknown) => {
    if (typeof part !== "object" || part === null || (part as { type?: unknown }).type !== "text")
      return part;
    const text = placed ? "" : released;
    placed = true;
    return { ...(part as object), text };
  });
}

/**
 * The `fields` of a token callback with the chunk's text replaced by what the stream redactor released (the
 * raw token must not survive in `chunk.text` or `chunk.message.content`), and everything else redacted.
 */
export function redactTokenFields(fields: unknown, released: string, redactor: Redactor): unknown {
  if (fields === undefined) {
    return {
      chunk: new ChatGenerationChunk({ text: released, message: new AIMessageChunk({ content: released }) }),
    };
  }
  const copy = redactor.redactValue(fields) as TokenFields;
  const chunk = copy?.chunk as { text?: unknown; message?: Record<string, unknown> } | undefined;
  if (chunk && typeof chunk === "object") {
    if (typeof chunk.text === "string") chunk.text = released;
    const message = chunk.message;
    if (message && typeof message === "object") {
      message.content = textContent(message.content, released);
      const kwargs = message.lc_kwargs as Record<string, unknown> | undefined;
      if (kwargs && typeof kwargs === "object" && "content" in kwargs) {
        kwargs.content = textContent(kwargs.content, released);
      }
    }
  }
  return copy;
}
