import { type CostOption, resolveCostSource } from "@chainwatch/core";
import type { CallCost, CallCostFunction } from "./record.js";

/**
 * The handler's cost option as one function answering USD and whether it is an estimate. A source with
 * `costDetailOfLLMResult` (`TokenCostCallbackHandler`) says so itself; any other answers exact figures.
 */
export function callCost(option: CostOption | undefined, owner: string): CallCostFunction | undefined {
  const plain = resolveCostSource(option, owner);
  if (plain === undefined) return undefined;
  const detail = (option as { costDetailOfLLMResult?: unknown }).costDetailOfLLMResult;
  if (typeof detail !== "function") {
    return (output, hint): CallCost => {
      const usd = plain(output, hint);
      return usd === undefined ? undefined : { usd, estimated: false };
    };
  }
  return (output, hint): CallCost => {
    const answer = detail.call(option, output, hint) as { usd?: unknown; estimated?: unknown } | undefined;
    const usd = answer?.usd;
    if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) return undefined;
    return { usd, estimated: answer?.estimated === true };
  };
}
