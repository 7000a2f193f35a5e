import { contentParts, messageRole, truncate } from "@chainwatch/core";

/** How far {@link renderValue} goes before it cuts. */
export interface RenderLimits {
  /** Longest string kept, in characters. */
  maxString: number;
  /** Most array items and object keys kept. */
  maxItems: number;
  /** Deepest nesting kept. */
  maxDepth: number;
}

/** `"full"` content: no cuts on text, but still a bound on structure so a hostile object cannot hang the logger. */
export const FULL_LIMITS: RenderLimits = {
  maxString: Number.POSITIVE_INFINITY,
  maxItems: 10_000,
  maxDepth: 32,
};

/** Keys whose values are credentials wherever they appear in an input or output. */
const SECRET_KEY =
  /^(?:api[-_]?key|x[-_]api[-_]key|openai[-_]?api[-_]?key|authorization|proxy[-_]authorization|password|passwd|secret|client[-_]?secret|access[-_]?token|refresh[-_]?token|id[-_]?token|session[-_]?token|cookie|set[-_]cookie)$/i;

const REDACTED = "[Redacted]";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The head of a base64 (or base64url) payload: its alphabet only, with a digit or symbol somewhere. */
const BASE64_HEAD = /^(?=.*[0-9+/_-])[A-Za-z0-9+/_-]{128}$/;

/**
 * Inline binary (a data URL, or a bare base64 payload such as an image a tool returned) is summarised: its size
 * is worth logging, its bytes are not. Only the first 128 characters are tested, so a 10 MB string costs no more.
 */
function renderString(text: string, limits: RenderLimits): string {
  if (text.length > 256 && text.startsWith("data:")) {
    const comma = text.indexOf(",");
    return `[${comma > 0 && comma < 100 ? text.slice(0, comma) : "data:"} ${text.length} chars]`;
  }
  if (text.length >= 1024 && BASE64_HEAD.test(text.slice(0, 128))) return `[base64 ${text.length} chars]`;
  return text.length > limits.maxString ? truncate(text, limits.maxString) : text;
}

function className(object: object): string {
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "Object";
}

function isMessage(object: Record<string, unknown>): boolean {
  if (typeof object._getType === "function") return true;
  const namespace = object.lc_namespace;
  return Array.isArray(namespace) && namespace.includes("messages") && "content" in object;
}

function renderContent(content: unknown, limits: RenderLimits, walk: Walk, depth: number): unknown {
  if (typeof content === "string") return renderString(content, limits);
  if (!Array.isArray(content)) return walk(content, depth + 1);
  const parts = contentParts(content);
  const rendered: unknown[] = [];
  for (const part of parts.slice(0, limits.maxItems)) {
    if (part.kind === "text" || part.kind === "reasoning") {
      rendered.push({ type: part.kind, text: renderString(part.text ?? "", limits) });
    } else {
      const summary: Record<string, unknown> = { type: part.type ?? part.kind };
      if (part.dataLength !== undefined) summary.data_length = part.dataLength;
      rendered.push(summary);
    }
  }
  if (parts.length > limits.maxItems) rendered.push(`…[+${parts.length - limits.maxItems} items]`);
  return rendered;
}

/** A LangChain message as role, content and tool calls: its class instance carries much more (`lc_kwargs`, …). */
function renderMessage(message: Record<string, unknown>, limits: RenderLimits, walk: Walk, depth: number) {
  const out: Record<string, unknown> = {
    role: messageRole(message),
    content: renderContent(message.content, limits, walk, depth),
  };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = message.tool_calls.slice(0, limits.maxItems).map((call: unknown) =>
      isRecord(call)
        ? {
            name: typeof call.name === "string" ? call.name : undefined,
            id: typeof call.id === "string" ? call.id : undefined,
            args: walk(call.args, depth + 2),
          }
        : walk(call, depth + 2),
    );
  }
  if (typeof message.tool_call_id === "string") out.tool_call_id = message.tool_call_id;
  if (typeof message.name === "string" && message.name !== "") out.name = message.name;
  return out;
}

type Walk = (input: unknown, depth: number) => unknown;

/**
 * A JSON-safe copy of any value for a log record, never throwing: strings cut at `maxString` (the cut says how
 * much was dropped), arrays and objects cut at `maxItems`, circular references, BigInt, Buffers, typed arrays,
 * data URLs and functions summarised, credential-looking keys redacted. LangChain messages become
 * `{ role, content, tool_calls }`, documents `{ page_content, metadata }`, and any other LangChain object (a live
 * model may carry an API key) just its class name.
 */
export function renderValue(value: unknown, limits: RenderLimits): unknown {
  const seen = new WeakSet<object>();
  const walk: Walk = (input, depth) => {
    switch (typeof input) {
      case "string":
        return renderString(input, limits);
      case "number":
        return Number.isFinite(input) ? input : String(input);
      case "boolean":
        return input;
      case "bigint":
        return `${input.toString()}n`;
      case "undefined":
        return undefined;
      case "function":
        return `[Function ${input.name || "anonymous"}]`;
      case "symbol":
        return input.toString();
    }
    if (input === null) return null;
    const object = input as object;
    if (seen.has(object)) return "[Circular]";
    if (ArrayBuffer.isView(object)) return `[${className(object)} ${object.byteLength} bytes]`;
    if (object instanceof ArrayBuffer) return `[ArrayBuffer ${object.byteLength} bytes]`;
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString();
    if (object instanceof Error) return { name: object.name, message: renderString(object.message, limits) };
    if (depth >= limits.maxDepth) return Array.isArray(object) ? "[Array]" : `[${className(object)}]`;
    seen.add(object);
    try {
      if (Array.isArray(object)) {
        const items = object.slice(0, limits.maxItems).map((item) => walk(item, depth + 1) ?? null);
        if (object.length > limits.maxItems) items.push(`…[+${object.length - limits.maxItems} items]`);
        return items;
      }
      if (object instanceof Map) return walk(Object.fromEntries(object), depth);
      if (object instanceof Set) return walk([...object], depth);
      const record = object as Record<string, unknown>;
      if (isMessage(record)) return renderMessage(record, limits, walk, depth);
      if (typeof record.pageContent === "string") {
        return {
          page_content: renderString(record.pageContent, limits),
          metadata: walk(record.metadata, depth + 1),
        };
      }
      if (Array.isArray(record.lc_namespace) || record.lc_serializable === true) {
        // Prompt values carry the messages a model receives; any other LangChain object is left opaque.
        if (Array.isArray(record.messages)) return walk(record.messages, depth);
        if (typeof record.value === "string" && className(object) === "StringPromptValue") {
          return renderString(record.value, limits);
        }
        return `[${className(object)}]`;
      }
      const out: Record<string, unknown> = {};
      let kept = 0;
      const keys = Object.keys(record);
      for (const key of keys) {
        if (kept >= limits.maxItems) {
          out["…"] = `+${keys.length - kept} keys`;
          break;
        }
        if (SECRET_KEY.test(key)) {
          out[key] = REDACTED;
          kept++;
          continue;
        }
        let child: unknown;
        try {
          child = record[key];
        } catch {
          child = "[Unreadable]";
        }
        const rendered = walk(child, depth + 1);
        if (rendered !== undefined) {
          out[key] = rendered;
          kept++;
        }
      }
      return out;
    } finally {
      seen.delete(object);
    }
  };
  try {
    return walk(value, 0);
  } catch {
    return "[Unrenderable]";
  }
}
