/** Options of {@link safeStringify}. */
export interface SafeStringifyOptions {
  /**
   * Longest string returned; a longer one is cut and ends with `…[+N chars]`.
   * @default 2048
   */
  maxLength?: number;
  /**
   * Longest single string value kept inside the object before it is cut.
   * @default maxLength
   */
  maxStringLength?: number;
  /** Deepest nesting kept; deeper values become `"[Object]"`/`"[Array]"`. @default 8 */
  maxDepth?: number;
}

/** Cuts a string to `max` characters, saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max))}…[+${text.length - max} chars]`;
}

/**
 * JSON for any value, never throwing: circular references become `"[Circular]"`, BigInt a string, Buffers and
 * typed arrays a size summary, long strings and deep objects are cut. For showing values, not for round trips.
 */
export function safeStringify(value: unknown, options: SafeStringifyOptions = {}): string {
  const maxLength = options.maxLength ?? 2048;
  const maxStringLength = options.maxStringLength ?? maxLength;
  const maxDepth = options.maxDepth ?? 8;
  const seen = new WeakSet<object>();
  const walk = (input: unknown, depth: number): unknown => {
    switch (typeof input) {
      case "string":
        return truncate(input, maxStringLength);
      case "bigint":
        return `${input.toString()}n`;
      case "number":
        return Number.isFinite(input) ? input : String(input);
      case "function":
        return `[Function ${input.name || "anonymous"}]`;
      case "symbol":
        return input.toString();
      case "undefined":
        return undefined;
      case "boolean":
        return input;
    }
    if (input === null) return null;
    const object = input as object;
    if (seen.has(object)) return "[Circular]";
    if (ArrayBuffer.isView(object)) return `[${object.constructor.name} ${object.byteLength} bytes]`;
    if (object instanceof ArrayBuffer) return `[ArrayBuffer ${object.byteLength} bytes]`;
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString();
    if (object instanceof Error)
      return { name: object.name, message: truncate(object.message, maxStringLength) };
    if (depth >= maxDepth) return Array.isArray(object) ? "[Array]" : "[Object]";
    seen.add(object);
    try {
      if (Array.isArray(object)) return object.map((item) => walk(item, depth + 1) ?? null);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(object)) {
        let child: unknown;
        try {
          child = (object as Record<string, unknown>)[key];
        } catch {
          child = "[Unreadable]";
        }
        const walked = walk(child, depth + 1);
        if (walked !== undefined) out[key] = walked;
      }
      return out;
    } finally {
      seen.delete(object);
    }
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(walk(value, 0));
  } catch {
    json = '"[Unserializable]"';
  }
  return truncate(json ?? "null", maxLength);
}
