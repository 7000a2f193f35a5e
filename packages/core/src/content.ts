/** One part of a message's content, whatever shape the provider sent it in. */
export interface ContentPart {
  kind: "text" | "reasoning" | "image" | "audio" | "file" | "tool_call" | "other";
  /** The text, for text and reasoning parts. */
  text?: string;
  /** The block's own `type`, for parts that are not text. */
  type?: string;
  /** Length of inline data (base64 or data URL), so it can be summarised instead of copied. */
  dataLength?: number;
}

/** A tool-call delta carried by a streamed chunk (`tool_call_chunks`). */
export interface ToolCallDelta {
  index: number | undefined;
  id: string | undefined;
  name: string | undefined;
  args: string | undefined;
}

/** A completed tool call from a model's final message. */
export interface ToolCallInfo {
  id: string | undefined;
  name: string;
  args: unknown;
}

/** What one `handleLLMNewToken` call carries. */
export interface TokenDelta {
  text: string;
  reasoning: string;
  toolCalls: ToolCallDelta[];
}

/** A chat message reduced to its role and parts. */
export interface NormalizedMessage {
  role: string;
  parts: ContentPart[];
  toolCalls: ToolCallInfo[];
  /** Tool result messages: the id of the call answered. */
  toolCallId?: string;
  name?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

const EMPTY: readonly never[] = Object.freeze([]);

function inlineDataLength(block: Record<string, unknown>): number | undefined {
  const candidates = [block.data, block.base64, block.source_type === "base64" ? block.data : undefined];
  const imageUrl = block.image_url;
  if (typeof imageUrl === "string") candidates.push(imageUrl);
  else if (isRecord(imageUrl)) candidates.push(imageUrl.url);
  if (typeof block.url === "string") candidates.push(block.url);
  for (const candidate of candidates) {
    if (typeof candidate === "string" && (candidate.startsWith("data:") || candidate.length > 256)) {
      return candidate.length;
    }
  }
  return undefined;
}

function reasoningOfBlock(block: Record<string, unknown>): string | undefined {
  if (block.type === "thinking" && typeof block.thinking === "string") return block.thinking;
  if (block.type === "reasoning") {
    if (typeof block.reasoning === "string") return block.reasoning;
    if (typeof block.text === "string") return block.text;
    if (Array.isArray(block.summary)) {
      return block.summary
        .map((s: unknown) => (isRecord(s) && typeof s.text === "string" ? s.text : ""))
        .join("");
    }
    return "";
  }
  return undefined;
}

/** Splits message content (a string or an array of content blocks) into normalised parts. Never throws. */
export function contentParts(content: unknown): ContentPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ kind: "text", text: content }];
  if (!Array.isArray(content)) return [];
  const parts: ContentPart[] = [];
  for (const block of content) {
    if (typeof block === "string") {
      parts.push({ kind: "text", text: block });
      continue;
    }
    if (!isRecord(block)) continue;
    const type = typeof block.type === "string" ? block.type : "unknown";
    if (
      (type === "text" || type === "text_delta" || type === "output_text") &&
      typeof block.text === "string"
    ) {
      parts.push({ kind: "text", text: block.text });
      continue;
    }
    const reasoning = reasoningOfBlock(block);
    if (reasoning !== undefined) {
      parts.push({ kind: "reasoning", text: reasoning });
      continue;
    }
    const kind: ContentPart["kind"] =
      type === "image_url" || type === "image" || type === "input_image"
        ? "image"
        : type === "audio" || type === "input_audio"
          ? "audio"
          : type === "file" || type === "document" || type === "input_file"
            ? "file"
            : type === "tool_use" || type === "tool_call" || type === "functionCall"
              ? "tool_call"
              : "other";
    const part: ContentPart = { kind, type };
    const dataLength = inlineDataLength(block);
    if (dataLength !== undefined) part.dataLength = dataLength;
    parts.push(part);
  }
  return parts;
}

/** The visible text of message content: text parts joined, reasoning and media left out. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of contentParts(content)) if (part.kind === "text") text += part.text ?? "";
  return text;
}

/** Reasoning text of a message or chunk: content blocks, then `additional_kwargs.reasoning_content`/`reasoning`. */
export function reasoningText(message: unknown): string {
  if (!isRecord(message)) return "";
  let text = "";
  if (Array.isArray(message.content)) {
    for (const part of contentParts(message.content)) if (part.kind === "reasoning") text += part.text ?? "";
  }
  const extra = isRecord(message.additional_kwargs) ? message.additional_kwargs : undefined;
  if (extra) {
    if (typeof extra.reasoning_content === "string") text += extra.reasoning_content;
    else if (isRecord(extra.reasoning))
      text += reasoningOfBlock({ ...extra.reasoning, type: "reasoning" }) ?? "";
  }
  return text;
}

function chunkMessage(fields: unknown): Record<string, unknown> | undefined {
  if (!isRecord(fields) || !isRecord(fields.chunk)) return undefined;
  const message = fields.chunk.message;
  return isRecord(message) ? message : undefined;
}

/**
 * Whether a `handleLLMNewToken` call carries anything: text, a tool-call delta or reasoning. Streams send
 * empty tokens for the role, finish and usage chunks; time to first token starts at the first call for which
 * this is true. Allocation-free on the common paths: it is called per token.
 */
export function carriesContent(token: string, fields?: unknown): boolean {
  if (token.length > 0) return true;
  const message = chunkMessage(fields);
  if (!message) return false;
  const toolCallChunks = message.tool_call_chunks;
  if (Array.isArray(toolCallChunks) && toolCallChunks.length > 0) return true;
  const extra = message.additional_kwargs;
  if (isRecord(extra) && typeof extra.reasoning_content === "string" && extra.reasoning_content.length > 0) {
    return true;
  }
  const content = message.content;
  return Array.isArray(content) && content.length > 0 && reasoningText(message).length > 0;
}

/** What one `handleLLMNewToken` call carries, split into text, reasoning and tool-call deltas. */
export function tokenDelta(token: string, fields?: unknown): TokenDelta {
  const message = chunkMessage(fields);
  if (!message) return { text: token, reasoning: "", toolCalls: EMPTY as never[] };
  const rawChunks = Array.isArray(message.tool_call_chunks) ? message.tool_call_chunks : EMPTY;
  const toolCalls: ToolCallDelta[] = [];
  for (const raw of rawChunks) {
    if (!isRecord(raw)) continue;
    toolCalls.push({
      index: typeof raw.index === "number" ? raw.index : undefined,
      id: typeof raw.id === "string" ? raw.id : undefined,
      name: typeof raw.name === "string" ? raw.name : undefined,
      args: typeof raw.args === "string" ? raw.args : undefined,
    });
  }
  return { text: token, reasoning: reasoningText(message), toolCalls };
}

/** The tool calls of an LLM result's first generation (the calls a model decided to make). */
export function toolCallsFromOutput(output: unknown): ToolCallInfo[] {
  const message = firstMessage(output);
  if (!message || !Array.isArray(message.tool_calls)) return [];
  const calls: ToolCallInfo[] = [];
  for (const call of message.tool_calls) {
    if (!isRecord(call) || typeof call.name !== "string") continue;
    calls.push({ id: typeof call.id === "string" ? call.id : undefined, name: call.name, args: call.args });
  }
  return calls;
}

/** The first generation's message of an LLM result, if any. */
export function firstMessage(output: unknown): Record<string, unknown> | undefined {
  if (!isRecord(output) || !Array.isArray(output.generations)) return undefined;
  const perPrompt: unknown = output.generations[0];
  const first: unknown = Array.isArray(perPrompt) ? perPrompt[0] : undefined;
  return isRecord(first) && isRecord(first.message) ? first.message : undefined;
}

/** The text of an LLM result's first generation (chat message content, or a completion's `text`). */
export function outputText(output: unknown): string {
  const message = firstMessage(output);
  if (message) return contentText(message.content);
  if (!isRecord(output) || !Array.isArray(output.generations)) return "";
  const perPrompt: unknown = output.generations[0];
  const first: unknown = Array.isArray(perPrompt) ? perPrompt[0] : undefined;
  return isRecord(first) && typeof first.text === "string" ? first.text : "";
}

/** Why the model stopped (`stop`, `length`, `tool_calls`, …), from response metadata or generation info. */
export function finishReason(output: unknown): string | undefined {
  const message = firstMessage(output);
  const metadata = message && isRecord(message.response_metadata) ? message.response_metadata : undefined;
  if (typeof metadata?.finish_reason === "string") return metadata.finish_reason;
  if (typeof metadata?.stop_reason === "string") return metadata.stop_reason;
  if (!isRecord(output) || !Array.isArray(output.generations)) return undefined;
  const perPrompt: unknown = output.generations[0];
  const first: unknown = Array.isArray(perPrompt) ? perPrompt[0] : undefined;
  const info = isRecord(first) && isRecord(first.generationInfo) ? first.generationInfo : undefined;
  return typeof info?.finish_reason === "string" ? info.finish_reason : undefined;
}

/** The role of a LangChain message (`human`, `ai`, `system`, `tool`, …) or of a plain `{ role }` object. */
export function messageRole(message: unknown): string {
  if (!isRecord(message)) return "unknown";
  const getType = message._getType;
  if (typeof message.type === "string") return message.type;
  if (typeof getType === "function") {
    const type: unknown = getType.call(message);
    if (typeof type === "string") return type;
  }
  if (typeof message.role === "string") return message.role;
  return "unknown";
}

/** Reduces a message (LangChain class instance or plain object) to role, content parts and tool calls. */
export function normalizeMessage(message: unknown): NormalizedMessage {
  const record = isRecord(message) ? message : {};
  const normalized: NormalizedMessage = {
    role: messageRole(message),
    parts: contentParts(record.content),
    toolCalls: [],
  };
  if (Array.isArray(record.tool_calls)) {
    for (const call of record.tool_calls) {
      if (isRecord(call) && typeof call.name === "string") {
        normalized.toolCalls.push({
          id: typeof call.id === "string" ? call.id : undefined,
          name: call.name,
          args: call.args,
        });
      }
    }
  }
  if (typeof record.tool_call_id === "string") normalized.toolCallId = record.tool_call_id;
  if (typeof record.name === "string" && record.name !== "") normalized.name = record.name;
  return normalized;
}
