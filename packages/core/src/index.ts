export {
  asMetadata,
  asTags,
  CALLBACK_ARGUMENTS,
  CALLBACK_METHODS,
  type CallbackArgumentPositions,
  type CallbackMethod,
  type DecodedCallback,
  decodeCallback,
} from "./callback-args.js";
export { CombinedCallbackHandler, combineCallbacks } from "./combine.js";
export {
  type ContentPart,
  carriesContent,
  contentParts,
  contentText,
  finishReason,
  firstMessage,
  messageRole,
  type NormalizedMessage,
  normalizeMessage,
  outputText,
  reasoningText,
  type TokenDelta,
  type ToolCallDelta,
  type ToolCallInfo,
  tokenDelta,
  toolCallsFromOutput,
} from "./content.js";
export {
  type CostFunction,
  type CostHint,
  type CostOption,
  type CostSource,
  resolveCostSource,
} from "./cost.js";
export {
  type HandlerErrorContext,
  type HandlerErrorReporter,
  HandlerGuard,
  RunBlockedError,
  warnOnce,
} from "./guard.js";
export { ChainwatchCallbackHandler, type ChainwatchHandlerOptions, chainRunType } from "./handler.js";
export type {
  ChatModelStartInput,
  ModelStartInput,
  RunEventHook,
  RunEventHooks,
  RunEventOptions,
  TextModelStartInput,
  TokenFields,
} from "./hooks.js";
export { type ModelInfo, modelFromStart, resolveModel, responseModel, serializedClassName } from "./model.js";
export {
  EACH_VALUE,
  eachValue,
  handlerOptionShape,
  LANGCHAIN_HANDLER_KEYS,
  type OptionShape,
  RUNS_OPTION_SHAPE,
  validateOptions,
} from "./options.js";
export {
  type EvictionReason,
  type RunStart,
  RunTracker,
  type RunTrackerOptions,
  type RunType,
  type TrackedRun,
} from "./run-tracker.js";
export { type SafeStringifyOptions, safeStringify, truncate } from "./serialize.js";
export {
  extractUsage,
  splitUsage,
  type TokenUsage,
  tokenCount,
  type UsageSource,
  usageFromMessage,
} from "./usage.js";
