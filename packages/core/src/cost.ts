/** What a handler knows about an LLM call when it asks for its cost: the start event's model and provider. */
export interface CostHint {
  /** The requested model (`ls_model_name`); a source should prefer the model the result itself names. */
  model?: string | undefined;
  /** LangChain's provider (`ls_provider`): `openai`, `azure`, `anthropic`, … */
  provider?: string | undefined;
}

/**
 * Anything that can price one LLM call from its result. `@chainwatch/token-cost`'s handler is one; so is any
 * object with this method. It must be pure for a given result (handlers may ask in any order, more than once),
 * never throw for a result it cannot price, and answer `undefined` rather than a guessed `0`.
 */
export interface CostSource {
  /** USD of the call that produced `output` (LangChain's `LLMResult`), or undefined when it cannot be priced. */
  costOfLLMResult(output: unknown, hint: CostHint): number | undefined;
}

/** A cost source as a plain function: the LLM result and the start event's model and provider, to USD. */
export type CostFunction = (output: unknown, hint: CostHint) => number | undefined;

/** What a handler's `cost` option accepts: a {@link CostSource} (a `TokenCostCallbackHandler`) or a function. */
export type CostOption = CostSource | CostFunction;

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return `an object without costOfLLMResult()`;
  return String(value);
}

/**
 * Turns a handler's `cost` option into one function, or throws a TypeError naming `owner` and the bad value.
 * The function answers a finite, non-negative USD amount or undefined (anything else a source returns, such as
 * NaN or a string, becomes undefined); it may throw if the source does, so call it where failures are caught.
 */
export function resolveCostSource(option: CostOption | undefined, owner: string): CostFunction | undefined {
  if (option === undefined) return undefined;
  let source: CostFunction;
  if (typeof option === "function") {
    source = option;
  } else if (
    typeof option === "object" &&
    option !== null &&
    typeof (option as Partial<CostSource>).costOfLLMResult === "function"
  ) {
    source = (output, hint) => option.costOfLLMResult(output, hint);
  } else {
    throw new TypeError(
      `${owner}: cost must be a function or have a costOfLLMResult() method (a TokenCostCallbackHandler), got ${describe(option)}`,
    );
  }
  return (output, hint) => {
    const usd: unknown = source(output, hint);
    return typeof usd === "number" && Number.isFinite(usd) && usd >= 0 ? usd : undefined;
  };
}
