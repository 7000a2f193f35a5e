import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import { BaseCallbackHandler, type BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { LLMResult } from "@langchain/core/outputs";
import { asMetadata, asTags } from "./callback-args.js";
import { type HookTarget, runNameOf } from "./dispatch.js";
import { type HandlerErrorReporter, HandlerGuard } from "./guard.js";
import type { ModelStartInput, RunEventOptions, TokenFields } from "./hooks.js";
import { installCallbacks, observesTokens } from "./install.js";
import { modelFromStart } from "./model.js";
import { RUNS_OPTION_SHAPE, validateOptions } from "./options.js";
import {
  type EvictionReason,
  RunTracker,
  type RunTrackerOptions,
  type RunType,
  type TrackedRun,
} from "./run-tracker.js";

/** Options every chainwatch handler accepts. */
export interface ChainwatchHandlerOptions {
  /**
   * Bounds on per-run state: how many runs (`maxRuns`), how long an idle run is kept (`ttlMs`) and a call in
   * flight (`inFlightTtlMs`), how many evicted runs are remembered for a late end (`maxEvicted`), and the clock.
   */
  runs?: Pick<RunTrackerOptions, "maxRuns" | "ttlMs" | "inFlightTtlMs" | "maxEvicted" | "now">;
  /**
   * Receives the handler's own failures (the first of each callback method).
   * @default a single `process.emitWarning` per method
   */
  onHandlerError?: HandlerErrorReporter;
}

/**
 * The run type of a `handleChainStart` call from its 7th argument. At runtime LangChain calls
 * `handleChainStart(serialized, inputs, runId, parentRunId, tags, metadata, runType, runName)`, whatever its type
 * declaration says, with `runType` `"prompt"` for prompt templates and otherwise undefined.
 */
export function chainRunType(runTypeArg: unknown): "chain" | "prompt" {
  return runTypeArg === "prompt" ? "prompt" : "chain";
}

/**
 * The base of every chainwatch handler. It implements LangChain's `handle*` callback methods once: decodes their
 * positional arguments (the runtime order, not the `.d.ts`), keeps per-run state in a {@link RunTracker}, and
 * calls the typed run-event hooks ({@link RunEventHooks}) a subclass overrides where it has work. Every call is
 * guarded by a {@link HandlerGuard}: a handler's own failure is reported once per method and never thrown into
 * the run, except a {@link RunBlockedError} from a handler built with `raiseError: true` (that is how a start hook
 * blocks a call before its request is sent).
 *
 * Only what the hooks need is wired: LangChain calls `handleLLMNewToken` only on a handler that overrides
 * `onToken`, chain/tool/retriever methods only for their hooks or when `runTree` is set (fourth constructor
 * argument), and LangChain's `ignoreLLM`, `ignoreChain`, `ignoreAgent`, `ignoreRetriever` and `ignoreCustomEvent`
 * flags keep working. Per-run state lives in `run.state`, created by {@link createRunState} at each start.
 *
 * @example
 * ```ts
 * class TokensPerCall extends ChainwatchCallbackHandler<{ tokens: number }> {
 *   name = "tokens_per_call";
 *   constructor(options: ChainwatchHandlerOptions = {}) {
 *     super("tokens_per_call", options);
 *   }
 *   protected override createRunState() {
 *     return { tokens: 0 };
 *   }
 *   protected override onToken(run: TrackedRun<{ tokens: number }>, _token: string, _fields: TokenFields, first: boolean) {
 *     run.state.tokens++;
 *   }
 *   protected override onModelEnd(run: TrackedRun<{ tokens: number }>, output: LLMResult) {
 *     console.log(run.model, run.state.tokens, extractUsage(output)?.totalTokens);
 *   }
 * }
 * ```
 */
export abstract class ChainwatchCallbackHandler<State = undefined> extends BaseCallbackHandler {
  /** Per-run state of this handler. */
  protected readonly runs: RunTracker<State>;
  /** Catches and reports this handler's own failures. */
  protected readonly guard: HandlerGuard;
  /** The options this handler was built with; `copy()` builds a twin from them. */
  protected readonly options: unknown;

  /**
   * @param handlerName the handler's `name`, used in failure reports
   * @param options the base options (`runs`, `onHandlerError`); the subclass validates its own keys
   * @param callbackInput LangChain's handler input: `raiseError: true` to let a start hook block a call
   * @param events how the handler is wired beyond its hooks ({@link RunEventOptions})
   */
  protected constructor(
    handlerName: string,
    options: ChainwatchHandlerOptions = {},
    callbackInput?: BaseCallbackHandlerInput,
    events: RunEventOptions = {},
  ) {
    super(callbackInput);
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`${new.target.name}: options must be an object, got ${String(options)}`);
    }
    validateOptions(new.target.name, { runs: options.runs }, { runs: RUNS_OPTION_SHAPE });
    this.options = options;
    this.guard = new HandlerGuard(handlerName, options.onHandlerError);
    this.runs = new RunTracker<State>({
      ...options.runs,
      observesTokens: observesTokens(this, ChainwatchCallbackHandler.prototype),
      onEvict: (run, reason) => {
        try {
          this.onRunEvicted(run, reason);
        } catch (error) {
          this.guard.report("onRunEvicted", error);
        }
      },
    });
    installCallbacks(this as unknown as HookTarget, ChainwatchCallbackHandler.prototype, this.guard, events);
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

  /**
   * The state a new run starts with (`run.state`), for every run type this handler tracks.
   * @default undefined
   */
  protected createRunState(_runType: RunType): State {
    return undefined as State;
  }

  /** {@inheritDoc RunEventHooks.onModelStart} */
  protected onModelStart(_run: TrackedRun<State>, _input: ModelStartInput): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onToken} */
  protected onToken(
    _run: TrackedRun<State>,
    _token: string,
    _fields: TokenFields,
    _firstContent: boolean,
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onModelEnd} */
  protected onModelEnd(_run: TrackedRun<State>, _output: LLMResult): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onModelError} */
  protected onModelError(_run: TrackedRun<State>, _error: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onChainStart} */
  protected onChainStart(_run: TrackedRun<State>, _inputs: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onChainEnd} */
  protected onChainEnd(_run: TrackedRun<State>, _outputs: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onChainError} */
  protected onChainError(_run: TrackedRun<State>, _error: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onToolStart} */
  protected onToolStart(
    _run: TrackedRun<State>,
    _input: string,
    _toolCallId: string | undefined,
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onToolEnd} */
  protected onToolEnd(_run: TrackedRun<State>, _output: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onToolError} */
  protected onToolError(_run: TrackedRun<State>, _error: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onRetrieverStart} */
  protected onRetrieverStart(_run: TrackedRun<State>, _query: string): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onRetrieverEnd} */
  protected onRetrieverEnd(
    _run: TrackedRun<State>,
    _documents: readonly DocumentInterface[],
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onRetrieverError} */
  protected onRetrieverError(_run: TrackedRun<State>, _error: unknown): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onAgentAction} */
  protected onAgentAction(
    _run: TrackedRun<State> | undefined,
    _action: AgentAction,
    _runId: string,
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onAgentEnd} */
  protected onAgentEnd(
    _run: TrackedRun<State> | undefined,
    _finish: AgentFinish,
    _runId: string,
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onText} */
  protected onText(
    _run: TrackedRun<State> | undefined,
    _text: string,
    _runId: string,
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onCustomEvent} */
  protected onCustomEvent(
    _name: string,
    _data: unknown,
    _runId: string,
    _tags: readonly string[] | undefined,
    _metadata: Readonly<Record<string, unknown>> | undefined,
    _run: TrackedRun<State> | undefined,
  ): void | Promise<void> {}
  /** {@inheritDoc RunEventHooks.onRunEvicted} */
  protected onRunEvicted(_run: TrackedRun<State>, _reason: EvictionReason): void {}

  /**
   * Records an LLM or chat-model run from its start callback's arguments.
   * @deprecated for handlers that still define `handleChatModelStart` themselves; override `onModelStart`.
   */
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
      name: runNameOf(runNameArg, serialized, "llm"),
      tags: asTags(tags),
      metadata: asMetadata(metadata),
      model,
      provider,
      state,
    });
  }

  /**
   * @deprecated for handlers that still define `handleChainStart` and siblings themselves; override the hooks.
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
      name: runNameOf(runNameArg, serialized, runType),
      tags: asTags(tags),
      metadata: asMetadata(metadata),
      state,
    });
  }
}
