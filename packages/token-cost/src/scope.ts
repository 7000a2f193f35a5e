import { AsyncLocalStorage } from "node:async_hooks";
import { validateOptions } from "@chainwatch/core";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { getContextVariable, registerConfigureHook, setContextVariable } from "@langchain/core/context";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { TokenCostCallbackHandler } from "./handler.js";
import { TOKEN_COST_OPTION_SHAPE } from "./options.js";
import type { CallCostRecord, CostTotals, TokenCostCallbackHandlerOptions } from "./types.js";

/** What {@link trackCost} resolves to. */
export interface TrackedCost<T> {
  /** What the function returned. */
  result: T;
  /** Totals of every LLM call made inside the scope. */
  cost: CostTotals;
  /** The calls, oldest first (up to `maxRecords`). */
  records: CallCostRecord[];
  /** A plain-text cost table by model. */
  table: string;
  /** The scope's handler (for `byModel()`, `forTrace()`). */
  handler: TokenCostCallbackHandler;
}

/** Context variable naming the scope depth, so nested scopes each get their own hook and handler. */
const DEPTH_VAR = "chainwatch_token_cost_depth";

function scopeVar(depth: number): string {
  return `chainwatch_token_cost_scope_${depth}`;
}

/**
 * Runs `fn` and returns its result with the cost of every LLM call LangChain made inside it, without passing
 * callbacks by hand: like Python's `get_openai_callback()`. It uses LangChain's configure hooks and its
 * AsyncLocalStorage context, so it covers every run started from `fn`'s async context, and nothing outside it.
 * Scopes nest: an outer scope counts the calls of the inner ones too. Budgets in `options` apply to the scope; a
 * call they stop rejects inside `fn`, and `fn`'s error is rethrown as is (use the handler `fn` receives to read
 * the cost so far).
 *
 * @example
 * ```ts
 * const { result, cost } = await trackCost(() => chain.invoke({ question }));
 * console.log(result, cost.costUsd);
 * ```
 */
export async function trackCost<T>(
  fn: (handler: TokenCostCallbackHandler) => Promise<T> | T,
  options: TokenCostCallbackHandlerOptions = {},
): Promise<TrackedCost<T>> {
  if (typeof fn !== "function") throw new TypeError(`trackCost: expected a function, got ${String(fn)}`);
  validateOptions("trackCost", options, TOKEN_COST_OPTION_SHAPE);
  const handler = new TokenCostCallbackHandler(options);
  AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());
  const storage = AsyncLocalStorageProviderSingleton.getInstance();
  const depth = (getContextVariable<number>(DEPTH_VAR) ?? -1) + 1;
  // LangChain adds a hooked handler unless one with the same name is already on the run: a scope handler gets a
  // name of its own, so neither an explicit token_cost handler nor an outer scope hides it.
  handler.name = `token_cost_scope_${depth}`;
  const base = storage.getStore();
  const scoped = async (): Promise<T> => {
    const name = scopeVar(depth);
    registerConfigureHook({ contextVar: name, inheritable: true });
    setContextVariable(DEPTH_VAR, depth);
    setContextVariable(name, handler);
    return fn(handler);
  };
  // `run` confines what setContextVariable/registerConfigureHook change (they call enterWith) to `fn`'s async
  // context. Node skips the save/restore when `run` is given the store already active, so enter a throwaway
  // store first: the inner `run` then really restores it, and the outer one restores the caller's.
  const result = await storage.run({}, () => storage.run(base, scoped));
  await awaitAllCallbacks();
  return { result, cost: handler.totals, records: handler.records, table: handler.table(), handler };
}
