import { contentText, safeStringify } from "@chainwatch/core";

/** A short message for a failed call or tool, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === "string" ? error : safeStringify(error);
}

/** A tool's result as text: a string, a ToolMessage's content, or JSON of anything else. */
export function toolOutputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (typeof output === "object" && output !== null && "content" in output) {
    const content = (output as { content: unknown }).content;
    return typeof content === "string" ? content : contentText(content) || safeStringify(content);
  }
  return safeStringify(output);
}

/** Text of a streamed chunk whose content is an array of blocks (reasoning and media left out). */
export function blockText(fields: unknown): string {
  const content = (fields as { chunk?: { message?: { content?: unknown } } } | undefined)?.chunk?.message
    ?.content;
  return Array.isArray(content) && content.length > 0 ? contentText(content) : "";
}
