import { BaseCallbackHandler, isBaseCallbackHandler } from "@langchain/core/callbacks/base";
import { consumeCallback } from "@langchain/core/callbacks/promises";
import { type BaseMessage, getBufferString } from "@langchain/core/messages";
import { isBaseTracer } from "@langchain/core/tracers/base";
import { CALLBACK_METHODS } from "./callback-args.js";
import { isThenable } from "./guard.js";

type IgnoreFlag = "ignoreLLM" | "ignoreChain" | "ignoreAgent" | "ignoreRetriever" | "ignoreCustomEvent";
type Method = (typeof CALLBACK_METHODS)[number] | "handleChatModelStreamEvent";
type Args = unknown[];
type Member = BaseCallbackHandler;
/** A member's methods and flags, read by name. */
const fields = (member: Member) => member as unknown as Record<string, unknown>;
type AnyMethod = (...args: Args) => unknown;

/** The flag that makes LangChain's callback manager skip a handler for each method, as the manager checks them. */
function ignoredBy(method: Method): IgnoreFlag | undefined {
  if (/LLM|ChatModel/.test(method)) return "ignoreLLM";
  if (method.startsWith("handleChain")) return "ignoreChain";
  if (method.startsWith("handleRetriever")) return "ignoreRetriever";
  if (method.startsWith("handleTool") || method.startsWith("handleAgent")) return "ignoreAgent";
  if (method === "handleCustomEvent") return "ignoreCustomEvent";
  return undefined;
}

const METHODS: readonly Method[] = [...CALLBACK_METHODS, "handleChatModelStreamEvent"];

/** {@link ignoredBy} for every method, worked out once rather than on every event. */
const IGNORED_BY = new Map<Method, IgnoreFlag | undefined>(
  METHODS.map((method) => [method, ignoredBy(method)]),
);

/** What LangChain prints for a handler that throws and did not ask to raise (its own `console.warn` line). */
function warnOf(handler: BaseCallbackHandler, method: string, error: unknown): void {
  console.warn(`Error in handler ${handler.constructor.name}, ${method}: ${error}`);
}

/**
 * Several callback handlers attached as one. LangChain's callback manager pays for each handler on each event
 * (a promise chain and an async-context switch per handler, on every streamed token too); this handler takes
 * each event once and hands it to its members in order, as the manager would:
 *
 * - a member's `ignoreLLM` / `ignoreChain` / `ignoreAgent` / `ignoreRetriever` / `ignoreCustomEvent` flags are
 *   honoured, and a member without `handleChatModelStart` gets `handleLLMStart` with the messages as text;
 * - a member that asked to raise (`raiseError`: a budget, a PII guard) still blocks the call with its error, after
 *   every other member has had the event;
 * - a member that throws without asking to raise is reported with LangChain's own warning and never breaks the
 *   run;
 * - a member that LangChain would run on its background queue (`awaitHandlers: false`) still runs there when some
 *   other member must be awaited; otherwise the whole group runs where its members would;
 * - `lc_prefer_streaming` is set when any member sets it.
 *
 * Tracers (`BaseTracer` subclasses, such as LangSmith's) are refused: the manager builds their run tree itself,
 * outside the callback methods, so they must be attached on their own.
 *
 * @example
 * ```ts
 * import { combineCallbacks } from "@chainwatch/core";
 * const callbacks = [combineCallbacks([costHandler, metricsHandler, logHandler])];
 * await chain.invoke(input, { callbacks });
 * ```
 */
export class CombinedCallbackHandler extends BaseCallbackHandler {
  name = "chainwatch_combined";
  /** The members, in the order each event reaches them. */
  readonly handlers: readonly BaseCallbackHandler[];

  constructor(handlers: readonly BaseCallbackHandler[]) {
    if (!Array.isArray(handlers) || handlers.length === 0) {
      throw new TypeError(
        `combineCallbacks needs a non-empty array of callback handlers, got ${String(handlers)}`,
      );
    }
    handlers.forEach((handler, index) => {
      if (!isBaseCallbackHandler(handler)) {
        throw new TypeError(`combineCallbacks: handlers[${index}] is not a callback handler`);
      }
      if (isBaseTracer(handler)) {
        throw new TypeError(
          `combineCallbacks: handlers[${index}] (${handler.name}) is a tracer, which LangChain drives outside its callback methods: attach it on its own`,
        );
      }
    });
    const raiseError = handlers.some((handler) => handler.raiseError);
    super({ raiseError, _awaitHandler: handlers.some((handler) => handler.awaitHandlers) });
    this.handlers = [...handlers];
    for (const flag of ["lc_prefer_streaming", "lc_prefer_chat_model_stream_events"]) {
      if (handlers.some((handler) => fields(handler)[flag] === true)) fields(this)[flag] = true;
    }
  }

  /** Runs the members still hold per-run state for (the sum of those that say). */
  get activeRunCount(): number {
    let count = 0;
    for (const handler of this.handlers) {
      const members = (handler as { activeRunCount?: unknown }).activeRunCount;
      if (typeof members === "number") count += members;
    }
    return count;
  }

  override copy(): BaseCallbackHandler {
    return new CombinedCallbackHandler(this.handlers.map((handler) => handler.copy()));
  }

  /** One event, to every member that takes it. Allocates nothing for members that return nothing to wait for. */
  protected dispatch(method: Method, args: Args): void | Promise<void> {
    const flag = IGNORED_BY.get(method);
    let waits: Promise<unknown>[] | undefined;
    let queued: QueuedCall[] | undefined;
    let raised: { error: unknown } | undefined;
    for (const member of this.handlers) {
      if (flag !== undefined && member[flag]) continue;
      let fn = fields(member)[method];
      let callArgs = args;
      if (typeof fn !== "function") {
        fn = fields(member).handleLLMStart;
        if (method !== "handleChatModelStart" || typeof fn !== "function") continue;
        callArgs = asPrompts(args);
      }
      // A member LangChain would not await stays off the run's path (on LangChain's queue) when this group is awaited.
      if (this.awaitHandlers && !member.awaitHandlers) {
        if (queued === undefined) queued = [];
        queued.push({ member, fn: fn as AnyMethod, args: callArgs });
        continue;
      }
      try {
        const result = (fn as AnyMethod).apply(member, callArgs);
        if (isThenable(result)) {
          if (waits === undefined) waits = [];
          waits.push(settled(member, method, result));
        }
      } catch (error) {
        if (!member.raiseError) warnOf(member, method, error);
        else raised ??= { error };
      }
    }
    if (queued !== undefined) enqueue(queued, method);
    if (raised !== undefined) {
      const { error } = raised;
      return waits === undefined
        ? Promise.reject(error)
        : Promise.all(waits).then(() => Promise.reject(error));
    }
    return waits === undefined ? undefined : Promise.all(waits).then(() => undefined);
  }
}

/** A member's call held for LangChain's queue. */
interface QueuedCall {
  member: Member;
  fn: AnyMethod;
  args: Args;
}

/** What LangChain hands a handler without handleChatModelStart: each message group as one string. */
function asPrompts(args: Args): Args {
  const prompts = (args[1] as BaseMessage[][]).map((group) => getBufferString(group));
  return [args[0], prompts, ...args.slice(2)];
}

/** A member's promise, its failure raised if it asked to raise and reported otherwise. */
function settled(member: Member, method: string, result: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(result).catch((error: unknown) => {
    if (member.raiseError) throw error;
    warnOf(member, method, error);
  });
}

/** Calls for LangChain's background queue, as one task in member order. */
function enqueue(calls: QueuedCall[], method: string): void {
  void consumeCallback(async () => {
    for (const { member, fn, args } of calls) {
      try {
        await fn.apply(member, args);
      } catch (error) {
        // LangChain does not await a queued handler either: its failure is reported, never raised.
        warnOf(member, method, error);
      }
    }
  }, false);
}

for (const method of METHODS) {
  Object.defineProperty(CombinedCallbackHandler.prototype, method, {
    value(this: CombinedCallbackHandler, ...args: Args): void | Promise<void> {
      return (this as unknown as { dispatch: (method: Method, args: Args) => void | Promise<void> }).dispatch(
        method,
        args,
      );
    },
    writable: true,
    configurable: true,
  });
}

/**
 * Several callback handlers attached as one ({@link CombinedCallbackHandler}): each event crosses LangChain's
 * callback manager once instead of once per handler.
 */
export function combineCallbacks(handlers: readonly BaseCallbackHandler[]): CombinedCallbackHandler {
  return new CombinedCallbackHandler(handlers);
}
