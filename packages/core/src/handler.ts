import { BaseCallbackHandler, type BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import { type HandlerErrorReporter, HandlerGuard } from "./guard.js";
import { modelFromStart, serializedClassName } from "./model.js";
import {
  type EvictionReason,
  RunTracker,
  type RunTrackerOptions,
  type RunType,
  type TrackedRun,
} from "./run-tracker.js";

/** Options every chainwatch handler accepts. */
export interface ChainwatchHandlerOptions {
  /** Bounds on per-run state: how many runs, and how long an idle run (one that never ended) is kept. */
  runs?: Pick<RunTrackerOptions, "maxRuns" | "ttlMs" | "now">;
  /**
   * Receives the handler's own failures (the first of each callback method).
   * @default a single `process.emitWarning` per method
   */
  onHandlerError?: HandlerErrorReporter;
}

/** Every callback method LangChain may call on a handler; each is guarded when the handler defines it. */
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

/**
 * The run type of a `handleChainStart` call from its 7th argument. At runtime LangChain calls
 * `handleChainStart(serialized, inputs, runId, parentRunId, tags, metadata, runType, runName)`, whatever its type
 * declaration says, with `runType` `"prompt"` for prompt templates and otherwise undefined.
 */
export function chainRunType(runTypeArg: unknown): "chain" | "prompt" {
  return runTypeArg === "prompt" ? "prompt" : "chain";
}

function runName(runNameArg: unknown, serialized: unknown, fallback: string): string {
  if (typeof runNameArg === "string" && runNameArg !== "") return runNameArg;
  return serializedClassName(serialized) ?? fallback;
}

function asTags(tags: unknown): readonly string[] | undefined {
  return Array.isArray(tags) ? (tags as string[]) : undefined;
}

function asMetadata(metadata: unknown): Record<string, unknown> | undefined {
  return typeof metadata === "object" && metadata !== null
    ? (metadata as Record<string, unknown>)
    : undefined;
}

/**
 * The base of every chainwatch handler: a {@link RunTracker} for per-run state, and a {@link HandlerGuard} around
 * every callback method the subclass defines, so that a handler's own failure is reported once and never thrown
 * into the run. Subclasses implement LangChain's `handle*` methods as usual and call the `track*` helpers from
 * their start callbacks.
 */
export abstract class ChainwatchCallbackHandler<State = undefined> extends BaseCallbackHandler {
  /** Per-run state of this handler. */
  protected readonly runs: RunTracker<State>;
  /** Catches and reports this handler's own failures. */
  protected readonly guard: HandlerGuard;
  /** The options this handler was built with; `copy()` builds a twin from them. */
  protected readonly options: unknown;

  protected constructor(
    handlerName: string,
    options: ChainwatchHandlerOptions = {},
    callbackInput?: BaseCallbackHandlerInput,
  ) {
    super(callbackInput);
    this.options = options;
    this.guard = new HandlerGuard(handlerName, options.onHandlerError);
    this.runs = new RunTracker<State>({
      ...options.runs,
      onEvict: (run, reason) => {
        try {
          this.onRunEvicted(run, reason);
        } catch (error) {
          this.guard.report("onRunEvicted", error);
        }
      },
    });
    const self = this as unknown as Record<string, unknown>;
    for (const method of CALLBACK_METHODS) {
      const fn = self[method];
      if (typeof fn === "function") {
        self[method] = this.guard.wrap(method, fn as (...args: unknown[]) => unknown, this);
      }
    }
  }

  /** Runs this handler still holds state for (idle runs past their TTL are evicted first). */
  get activeRunCount(): number {
    return this.runs.size;
  }

  /** This handler's own failures since construction, reported or not. */
  get handlerErrorCount(): number {
    return this.guard.errorCount;
  }

  /** A new handler built from the same options (LangChain's default would pass the handler itself). */
  override copy(): BaseCallbackHandler {
    const Constructor = this.constructor as new (options: unknown) => BaseCallbackHandler;
    return new Constructor(this.options);
  }

  /** Called for a run evicted without an end event (an abandoned stream, a crash). */
  protected onRunEvicted(_run: TrackedRun<State>, _reason: EvictionReason): void {}

  /** Records an LLM or chat-model run from its start callback's arguments. */
  protected trackLLMStart(
    serialized: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: unknown,
    metadata: unknown,
    runNameArg: unknown,
    state: State,
  ): TrackedRun<State> {
    const { model, provider } = modelFromStart(serialized, extraParams, metadata);
    return this.runs.start({
      runId,
      parentRunId,
      runType: "llm",
      name: runName(runNameArg, serialized, "llm"),
      tags: asTags(tags),
      metadata: asMetadata(metadata),
      model,
      provider,
      state,
    });
  }

  /**
   * Records a chain, tool or retriever run. For chains pass the runtime `runType` argument (`"prompt"` for prompt
   * templates); LangChain calls `handleChainStart(serialized, inputs, runId, parentRunId, tags, metadata,
   * runType, runName)` whatever its type declaration says.
   */
  protected trackStart(
    runType: RunType,
    serialized: unknown,
    runId: string,
    parentRunId: string | undefined,
    tags: unknown,
    metadata: unknown,
    runNameArg: unknown,
    state: State,
  ): TrackedRun<State> {
    return this.runs.start({
      runId,
      parentRunId,
      runType,
      name: runName(runNameArg, serialized, runType),
      tags: asTags(tags),
      metadata: asMetadata(metadata),
      state,
    });
  }
}
