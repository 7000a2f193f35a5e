import { EventEmitter } from "node:events";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Runnable } from "@langchain/core/runnables";

/** Deepest nesting walked; anything deeper is replaced, never passed on unredacted. */
export const MAX_DEPTH = 32;

/** Placeholder for a value nested deeper than {@link MAX_DEPTH}. */
export const TOO_DEEP = "[REDACTED:TOO_DEEP]";

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Live objects are passed by reference: models and other runnables, handlers, clients, streams, collections,
 * promises. They are not run data, and copying them could break them. Every other class instance (messages,
 * documents, generations, prompt values, LangGraph commands, errors, …) is copied with its prototype, so
 * `message.text`, `_getType()` and `instanceof` still work for the handler downstream.
 */
function isLive(value: object): boolean {
  return (
    Runnable.isRunnable(value) ||
    value instanceof BaseCallbackHandler ||
    value instanceof EventEmitter ||
    value instanceof EventTarget ||
    value instanceof URL ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof Promise ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    typeof (value as { then?: unknown }).then === "function"
  );
}

function isDataClass(value: object): boolean {
  return !isLive(value);
}

/**
 * A redacted deep copy: every string redacted, in plain objects, arrays, messages (every content part,
 * `tool_calls` args, `additional_kwargs`, `lc_kwargs`), documents, generations, prompt values and errors
 * (message and stack). Keys are kept. Cycles stay cycles; the input is never changed.
 */
export function redactDeep(value: unknown, redactString: (text: string) => string): unknown {
  const copies = new WeakMap<object, unknown>();
  const walk = (input: unknown, depth: number): unknown => {
    if (typeof input === "string") return redactString(input);
    if (typeof input !== "object" || input === null) return input;
    const cached = copies.get(input);
    if (cached !== undefined) return cached;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(input)) {
      const copy: unknown[] = [];
      copies.set(input, copy);
      for (const item of input) copy.push(walk(item, depth + 1));
      return copy;
    }
    if (!isPlain(input) && !isDataClass(input)) return input;
    const copy = Object.create(Object.getPrototypeOf(input)) as Record<PropertyKey, unknown>;
    copies.set(input, copy);
    for (const key of Reflect.ownKeys(input)) {
      const descriptor = Object.getOwnPropertyDescriptor(input, key);
      if (!descriptor) continue;
      if ("value" in descriptor) {
        descriptor.value = walk(descriptor.value, depth + 1);
        Object.defineProperty(copy, key, descriptor);
        continue;
      }
      // An own getter (AIMessageChunk's tool_calls) may read a closure the copy cannot reach: take its value
      // from the original and store it redacted, as a plain field.
      let current: unknown;
      try {
        current = (input as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      Object.defineProperty(copy, key, {
        value: walk(current, depth + 1),
        enumerable: descriptor.enumerable ?? false,
        configurable: true,
        writable: true,
      });
    }
    return copy;
  };
  return walk(value, 0);
}

/** Every string inside a value, walked like {@link redactDeep} (same classes, same depth bound). */
export function collectStrings(value: unknown, out: string[] = []): string[] {
  const seen = new WeakSet<object>();
  const walk = (input: unknown, depth: number): void => {
    if (typeof input === "string") {
      out.push(input);
      return;
    }
    if (typeof input !== "object" || input === null || seen.has(input) || depth >= MAX_DEPTH) return;
    seen.add(input);
    if (Array.isArray(input)) {
      for (const item of input) walk(item, depth + 1);
      return;
    }
    if (!isPlain(input) && !isDataClass(input)) return;
    const record = input as Record<PropertyKey, unknown>;
    // An AI message carries its tool calls twice: parsed in tool_calls and raw in additional_kwargs.
    const parsedToolCalls = Array.isArray(record.tool_calls) && record.tool_calls.length > 0;
    for (const key of Reflect.ownKeys(input)) {
      // lc_kwargs repeats a message's fields: scanning it too would count every value twice.
      if (key === "lc_kwargs" || key === "lc_serializable" || key === "lc_namespace") continue;
      let current: unknown;
      try {
        current = record[key];
      } catch {
        continue;
      }
      if (key === "additional_kwargs" && parsedToolCalls && typeof current === "object" && current !== null) {
        const { tool_calls: _duplicate, ...rest } = current as Record<string, unknown>;
        current = rest;
      }
      walk(current, depth + 1);
    }
  };
  walk(value, 0);
  return out;
}
