/** Every callback method LangChain may call on a handler. */
export const CALLBACK_METHODS = [
  "handleLLMStart",
  "handleChatModelStart",
  "handleLLMNewToken",
  "handleLLMEnd",
  "handleLLMError",
  "handleChainStart",
  "handleChainEnd",
  "handleChainError",
  "handleToolStart",
  "handleToolEnd",
  "handleToolError",
  "handleToolEvent",
  "handleRetrieverStart",
  "handleRetrieverEnd",
  "handleRetrieverError",
  "handleAgentAction",
  "handleAgentEnd",
  "handleText",
  "handleCustomEvent",
] as const;

/** Name of a callback method. */
export type CallbackMethod = (typeof CALLBACK_METHODS)[number];

/** Where a callback method's arguments sit (0-based positions; absent when the method has no such argument). */
export interface CallbackArgumentPositions {
  /** The run id (for `handleCustomEvent`, the id of the run that dispatched the event). */
  readonly runId: number;
  readonly parentRunId?: number;
  readonly tags?: number;
  readonly metadata?: number;
  /** The run name (start events; may be undefined at runtime). */
  readonly runName?: number;
  /** Invocation params and options (`extraParams`, chain-end `kwargs`). */
  readonly extra?: number;
  /** The serialized component (start events): may hold API keys, never log it wholesale. */
  readonly serialized?: number;
  /** Positions of the user's content: prompts, messages, inputs, outputs, tokens, documents, errors. */
  readonly content: readonly number[];
}

/**
 * The runtime argument positions of every LangChain callback, measured against `@langchain/core` 1.x's callback
 * manager, not its type declarations (which put `handleChainStart`'s `runType` third; at runtime it is
 * `(serialized, inputs, runId, parentRunId, tags, metadata, runType, runName)`). For code that forwards or
 * rewrites events generically, such as a redacting wrapper: it reads positions here instead of re-declaring
 * each signature.
 */
export const CALLBACK_ARGUMENTS: Readonly<Record<CallbackMethod, CallbackArgumentPositions>> = {
  handleLLMStart: {
    serialized: 0,
    content: [1],
    runId: 2,
    parentRunId: 3,
    extra: 4,
    tags: 5,
    metadata: 6,
    runName: 7,
  },
  handleChatModelStart: {
    serialized: 0,
    content: [1],
    runId: 2,
    parentRunId: 3,
    extra: 4,
    tags: 5,
    metadata: 6,
    runName: 7,
  },
  // (token, idx, runId, parentRunId, tags, fields): fields.chunk carries the content too.
  handleLLMNewToken: { content: [0, 5], runId: 2, parentRunId: 3, tags: 4 },
  handleLLMEnd: { content: [0], runId: 1, parentRunId: 2, tags: 3, extra: 4 },
  handleLLMError: { content: [0], runId: 1, parentRunId: 2, tags: 3, extra: 4 },
  // Position 6 is the run type ("prompt" for prompt templates), 8 an undocumented `extra`.
  handleChainStart: {
    serialized: 0,
    content: [1],
    runId: 2,
    parentRunId: 3,
    tags: 4,
    metadata: 5,
    runName: 7,
  },
  handleChainEnd: { content: [0], runId: 1, parentRunId: 2, tags: 3, extra: 4 },
  handleChainError: { content: [0], runId: 1, parentRunId: 2, tags: 3, extra: 4 },
  // Position 7 is the tool call id.
  handleToolStart: {
    serialized: 0,
    content: [1],
    runId: 2,
    parentRunId: 3,
    tags: 4,
    metadata: 5,
    runName: 6,
  },
  handleToolEnd: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleToolError: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleToolEvent: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleRetrieverStart: {
    serialized: 0,
    content: [1],
    runId: 2,
    parentRunId: 3,
    tags: 4,
    metadata: 5,
    runName: 6,
  },
  handleRetrieverEnd: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleRetrieverError: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleAgentAction: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleAgentEnd: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  handleText: { content: [0], runId: 1, parentRunId: 2, tags: 3 },
  // (eventName, data, runId, tags, metadata): no parent.
  handleCustomEvent: { content: [1], runId: 2, tags: 3, metadata: 4 },
};

/** The ids and labels of one callback call, read from its arguments with {@link CALLBACK_ARGUMENTS}. */
export interface DecodedCallback {
  readonly runId: string | undefined;
  readonly parentRunId: string | undefined;
  readonly tags: readonly string[] | undefined;
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  readonly runName: string | undefined;
}

function stringAt(args: readonly unknown[], position: number | undefined): string | undefined {
  if (position === undefined) return undefined;
  const value = args[position];
  return typeof value === "string" ? value : undefined;
}

/** Tags, if the argument is an array (of strings, as LangChain sends). */
export function asTags(tags: unknown): readonly string[] | undefined {
  return Array.isArray(tags) ? (tags as string[]) : undefined;
}

/** Metadata, if the argument is an object. */
export function asMetadata(metadata: unknown): Record<string, unknown> | undefined {
  return typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)
    ? (metadata as Record<string, unknown>)
    : undefined;
}

/** Reads the run id, parent, tags, metadata and run name of a callback call, whatever the method. Never throws. */
export function decodeCallback(method: CallbackMethod, args: readonly unknown[]): DecodedCallback {
  const positions = CALLBACK_ARGUMENTS[method];
  return {
    runId: stringAt(args, positions.runId),
    parentRunId: stringAt(args, positions.parentRunId),
    tags: positions.tags === undefined ? undefined : asTags(args[positions.tags]),
    metadata: positions.metadata === undefined ? undefined : asMetadata(args[positions.metadata]),
    runName: stringAt(args, positions.runName),
  };
}
