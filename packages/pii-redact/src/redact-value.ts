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
 * `message.text`, `_getType()` and `instanceof` still work for the handler downstream. Runnables are told apart
 * before this is asked ({@link isWalked}).
 */
function isLive(value: object): boolean {
  return (
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

/** Live-ness by prototype: a class is live or not for all its instances (bar an own `then`, checked each time). */
const liveByPrototype = new WeakMap<object, boolean>();

/** Whether the walk goes inside an object (data) or passes it by reference (live). */
function isWalked(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype === Object.prototype || prototype === null) return true;
  // A runnable is one by an own field (`lc_runnable`), which the per-class answer below cannot remember: asked first.
  if (Runnable.isRunnable(value)) return false;
  let live = liveByPrototype.get(prototype);
  if (live === undefined) {
    live = isLive(value);
    // A thenable may be one by an own field; remember only what its class decides.
    if (!live) liveByPrototype.set(prototype, false);
    else if (isLive(Object.create(prototype) as object)) liveByPrototype.set(prototype, true);
  }
  return !live && typeof (value as { then?: unknown }).then !== "function";
}

/** An empty array or plain object (most token callbacks' extra fields): nothing to walk. */
function isEmpty(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (!isPlain(value)) return false;
  return Object.getOwnPropertyNames(value).length === 0 && Object.getOwnPropertySymbols(value).length === 0;
}

/**
 * `Reflect.ownKeys`, in the same order, at a fraction of its cost: V8 answers the two halves from caches and
 * builds the combined list slowly (about 0.35 µs against 0.1 for a five-key object).
 */
function ownKeys(value: object): PropertyKey[] {
  const names: PropertyKey[] = Object.getOwnPropertyNames(value);
  const symbols = Object.getOwnPropertySymbols(value);
  return symbols.length === 0 ? names : names.concat(symbols);
}

/** How {@link redactDeep} may reuse work across calls. */
export interface RedactDeepOptions {
  /**
   * Results kept per value across calls: a value seen again (the `serialized` LangChain hands to every handler of
   * an event, so to every wrapper sharing a redactor) is not walked again. Only the value itself is kept, not the
   * objects inside it: LangChain builds `serialized` afresh for each event (`toJSON()`), so its parts never
   * repeat, and remembering each of them in a weak map cost more than walking them again. Give it only for values
   * nobody mutates between events: a cached verdict would outlive a change.
   */
  shared?: WeakMap<object, unknown>;
  /** Asked once the walk is done: whether its results may go into `shared` (false after a cut-short string). */
  shareable?: () => boolean;
}

/** What `done` holds for an object whose walk has started and not finished: met again, it is a cycle. */
const IN_PROGRESS: unique symbol = Symbol("in progress");

/** One walk of {@link redactDeep}: a class, so a call allocates one object rather than a set of closures. */
class CopyOnWrite {
  /** Each object walked, with its result (or {@link IN_PROGRESS} while its walk runs). */
  readonly done = new Map<object, unknown>();
  cycle = false;
  private redactString: (text: string) => string = String;

  /** Readies the walker for one call (walkers are reused: a callback event allocates no new maps). */
  reset(redactString: (text: string) => string): this {
    this.redactString = redactString;
    this.cycle = false;
    this.marked = false;
    return this;
  }

  /** Drops every reference the last call kept. */
  clear(): void {
    this.done.clear();
    this.redactString = String;
  }

  walk(input: unknown, depth: number): unknown {
    if (typeof input === "string") return this.redactString(input);
    if (typeof input !== "object" || input === null) return input;
    // A walked object's result is never undefined, so one lookup answers both "seen?" and "what came out?".
    const prior = this.done.get(input);
    if (prior !== undefined) {
      if (prior !== IN_PROGRESS) return prior;
      this.cycle = true;
      return input;
    }
    const array = Array.isArray(input);
    // An empty list (a message's tool calls, most of the time) has nothing to redact or to remember.
    if (array && input.length === 0) return input;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (!array && !isWalked(input)) return input;
    const marked = this.marked;
    this.marked = false;
    const result = array ? this.walkArray(input, depth) : this.walkObject(input, depth);
    // Only a value with objects inside can be part of a cycle or worth remembering: a leaf (strings and numbers
    // only, most of what LangChain sends) costs no map entry, and one met twice is walked twice, cheaply.
    if (this.marked) this.done.set(input, result);
    this.marked = marked;
    return result;
  }

  /** Whether the value being walked is in `done` as {@link IN_PROGRESS} (set on meeting its first object inside). */
  private marked = false;

  /** Descends into an object inside `parent`, first marking `parent` as being walked. */
  private child(parent: object, value: object, depth: number): unknown {
    if (!this.marked) {
      this.done.set(parent, IN_PROGRESS);
      this.marked = true;
    }
    return this.walk(value, depth + 1);
  }

  private walkArray(input: readonly unknown[], depth: number): unknown[] {
    let copy: unknown[] | undefined;
    for (let index = 0; index < input.length; index++) {
      const item = input[index];
      const out =
        typeof item === "object" && item !== null
          ? this.child(input, item, depth)
          : this.walk(item, depth + 1);
      if (copy === undefined && !Object.is(out, item)) copy = input.slice(0, index);
      copy?.push(out);
    }
    return copy ?? (input as unknown[]);
  }

  private walkObject(input: object, depth: number): object {
    const keys = ownKeys(input);
    let values: unknown[] | undefined;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as PropertyKey;
      // Read as a property, getters included: an own getter (AIMessageChunk's tool_calls) may read a closure a
      // copy cannot reach, so its value is what is redacted (and stored as a plain field if the object is copied).
      let current: unknown;
      try {
        current = (input as Record<PropertyKey, unknown>)[key];
      } catch {
        current = undefined;
      }
      // Numbers, booleans and the like come out as they went in: no call for them.
      const out =
        typeof current === "string"
          ? this.redactString(current)
          : typeof current === "object" && current !== null
            ? this.child(input, current, depth)
            : current;
      if (values === undefined && !Object.is(out, current)) values = this.valuesBefore(input, keys, index);
      values?.push(out);
    }
    if (values === undefined) return input;
    const copy = Object.create(Object.getPrototypeOf(input)) as Record<PropertyKey, unknown>;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as PropertyKey;
      const descriptor = Object.getOwnPropertyDescriptor(input, key);
      if (!descriptor) continue;
      Object.defineProperty(copy, key, {
        value: values[index],
        enumerable: descriptor.enumerable ?? false,
        configurable: true,
        writable: "value" in descriptor ? (descriptor.writable ?? true) : true,
      });
    }
    return copy;
  }

  /** The (unchanged) values of the keys before the first one that changed. */
  private valuesBefore(input: object, keys: readonly PropertyKey[], count: number): unknown[] {
    const values: unknown[] = [];
    for (let index = 0; index < count; index++) {
      try {
        values.push((input as Record<PropertyKey, unknown>)[keys[index] as PropertyKey]);
      } catch {
        values.push(undefined);
      }
    }
    return values;
  }
}

/**
 * A redacted value that copies only what changed: an object or array none of whose strings hold personal data is
 * returned as it is (no allocation), one that does is copied with its prototype, and its parents with it. Keys
 * are kept; the input is never changed. A cycle on a path that changed falls back to {@link copyDeep}, which
 * keeps cycles as cycles.
 */
export function redactDeep(
  value: unknown,
  redactString: (text: string) => string,
  options: RedactDeepOptions = {},
): unknown {
  if (typeof value === "string") return redactString(value);
  if (typeof value !== "object" || value === null) return value;
  if (isEmpty(value)) return value;
  const { shared } = options;
  const known = shared?.get(value);
  if (known !== undefined) return known;
  const walk = (spareWalker ?? new CopyOnWrite()).reset(redactString);
  spareWalker = undefined;
  try {
    const result = walk.walk(value, 0);
    if (walk.cycle && result !== value) return copyDeep(value, redactString);
    if (shared && !walk.cycle && (options.shareable?.() ?? true)) {
      shared.set(value, result);
    }
    return result;
  } finally {
    walk.clear();
    spareWalker = walk;
  }
}

/** A walker kept for the next call (a nested call, from inside a redactString, builds its own). */
let spareWalker: CopyOnWrite | undefined;

/**
 * A redacted deep copy of everything (the fallback for cyclic values): every string redacted, in plain objects,
 * arrays, messages, documents, generations, prompt values and errors. Cycles stay cycles.
 */
export function copyDeep(value: unknown, redactString: (text: string) => string): unknown {
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
    if (!isWalked(input)) return input;
    const copy = Object.create(Object.getPrototypeOf(input)) as Record<PropertyKey, unknown>;
    copies.set(input, copy);
    for (const key of Reflect.ownKeys(input)) {
      const descriptor = Object.getOwnPropertyDescriptor(input, key);
      if (!descriptor) continue;
      let current: unknown;
      try {
        current = "value" in descriptor ? descriptor.value : (input as Record<PropertyKey, unknown>)[key];
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
    if (!isWalked(input)) return;
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
