import { CALLBACK_METHODS, type CallbackMethod } from "./callback-args.js";
import { DISPATCHERS, type HookTarget } from "./dispatch.js";
import type { HandlerGuard } from "./guard.js";
import type { RunEventHook, RunEventOptions } from "./hooks.js";
import type { RunTracker } from "./run-tracker.js";

const MODEL: readonly CallbackMethod[] = [
  "handleChatModelStart",
  "handleLLMStart",
  "handleLLMEnd",
  "handleLLMError",
];
const CHAIN: readonly CallbackMethod[] = ["handleChainStart", "handleChainEnd", "handleChainError"];
const TOOL: readonly CallbackMethod[] = ["handleToolStart", "handleToolEnd", "handleToolError"];
const RETRIEVER: readonly CallbackMethod[] = [
  "handleRetrieverStart",
  "handleRetrieverEnd",
  "handleRetrieverError",
];

/** Which callback methods each hook needs LangChain to call. */
const METHODS_BY_HOOK: Readonly<Record<Exclude<RunEventHook, "onRunEvicted">, readonly CallbackMethod[]>> = {
  onModelStart: MODEL,
  onModelEnd: MODEL,
  onModelError: MODEL,
  onToken: [...MODEL, "handleLLMNewToken"],
  onChainStart: CHAIN,
  onChainEnd: CHAIN,
  onChainError: CHAIN,
  onToolStart: TOOL,
  onToolEnd: TOOL,
  onToolError: TOOL,
  onRetrieverStart: RETRIEVER,
  onRetrieverEnd: RETRIEVER,
  onRetrieverError: RETRIEVER,
  onAgentAction: ["handleAgentAction"],
  onAgentEnd: ["handleAgentEnd"],
  onText: ["handleText"],
  onCustomEvent: ["handleCustomEvent"],
};

/** The methods the run tree needs even without hooks: starts and ends of chains, tools and retrievers. */
const RUN_TREE_METHODS: readonly CallbackMethod[] = [...CHAIN, ...TOOL, ...RETRIEVER];

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * A subclass's own `handleLLMNewToken` (not yet on the hooks) may mark only content tokens, or none: the tracker
 * must still learn that the stream started, or an abandoned stream would count as a call in flight.
 */
function withOutputMark(runs: RunTracker<unknown>, own: AnyMethod): AnyMethod {
  return function (this: unknown, token, idx, runId, ...rest) {
    const run = runs.get(runId as string);
    if (run !== undefined) runs.touch(run);
    return own.call(this, token, idx, runId, ...rest);
  };
}

/**
 * Whether LangChain will call this handler per token: it overrides `onToken` (compared with `base`, the base
 * class's prototype), or still defines its own `handleLLMNewToken`.
 */
export function observesTokens(handler: object, base: object): boolean {
  const self = handler as Record<string, unknown>;
  return (
    typeof self.handleLLMNewToken === "function" || self.onToken !== (base as Record<string, unknown>).onToken
  );
}

/**
 * Defines, on a handler instance, the `handle*` methods LangChain will call: the guarded dispatcher of each method
 * a hook the handler overrides (compared with `base`, the base class's prototype) or the run tree needs, and,
 * guarded too, any `handle*` method a subclass still defines itself.
 */
export function installCallbacks(
  handler: HookTarget,
  base: object,
  guard: HandlerGuard,
  events: RunEventOptions,
): void {
  const self = handler as unknown as Record<string, unknown>;
  const baseMethods = base as Record<string, unknown>;
  const needed = new Set<CallbackMethod>(events.runTree ? RUN_TREE_METHODS : []);
  for (const [hook, methods] of Object.entries(METHODS_BY_HOOK)) {
    if (self[hook] !== baseMethods[hook]) for (const method of methods) needed.add(method);
  }
  for (const method of CALLBACK_METHODS) {
    const own = self[method];
    const dispatcher = DISPATCHERS[method];
    if (typeof own === "function") {
      const legacy = method === "handleLLMNewToken" ? withOutputMark(handler.runs, own as AnyMethod) : own;
      self[method] = guard.wrap(method, legacy as AnyMethod, handler);
    } else if (dispatcher !== undefined && needed.has(method)) {
      self[method] = guard.wrap(method, dispatcher as AnyMethod, handler);
    }
  }
}
