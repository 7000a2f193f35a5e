import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import type { HandleLLMNewTokenCallbackFields } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { EvictionReason, TrackedRun } from "./run-tracker.js";

/** What a model run starts with: chat messages (chat models) or string prompts (completion LLMs). */
export type ModelStartInput = ChatModelStartInput | TextModelStartInput;

interface ModelStartCommon {
  /**
   * The model's serialized form. May hold an API key (`kwargs.configuration.apiKey`, default headers): read
   * named fields only, never log it wholesale. The run's `model` and `provider` are already read from it.
   */
  readonly serialized: unknown;
  /** LangChain's `extraParams` (`invocation_params`, `options`, `batch_size`), if any. */
  readonly extraParams: Readonly<Record<string, unknown>> | undefined;
  /** `extraParams.invocation_params` (model, temperature, tools, …), if any. */
  readonly invocationParams: Readonly<Record<string, unknown>> | undefined;
}

/** A chat model's start: one message list per prompt (LangChain sends one list per run). */
export interface ChatModelStartInput extends ModelStartCommon {
  readonly kind: "chat";
  readonly messages: readonly (readonly BaseMessage[])[];
}

/** A completion LLM's start: one string per prompt. */
export interface TextModelStartInput extends ModelStartCommon {
  readonly kind: "text";
  readonly prompts: readonly string[];
}

/** The fields of a token callback: `chunk` holds the message chunk (tool-call deltas, reasoning, usage). */
export type TokenFields = HandleLLMNewTokenCallbackFields | undefined;

/**
 * The run-event hooks of {@link ChainwatchCallbackHandler}, all optional. A handler overrides the ones it has
 * work for; the base class decodes LangChain's callbacks, keeps the run tracker and calls these.
 *
 * `run` is the tracker's record: ids, trace root, depth, name, tags, metadata, model, timings, and the handler's
 * own `run.state`. End and error hooks get the run already removed from the tracker; a run this handler never
 * saw start gets no end hook. A run evicted without an end ({@link onRunEvicted}) whose end or error arrives
 * later anyway (a slow call) still gets its end or error hook, with `run.evicted` set: move it from "abandoned"
 * to its real status, charge it, but do not release what the eviction already released.
 */
export interface RunEventHooks<State> {
  /** A chat model or LLM call starts (before its request is sent: throw a `RunBlockedError` to stop it). */
  onModelStart(run: TrackedRun<State>, input: ModelStartInput): void | Promise<void>;
  /**
   * A streamed token. `firstContent` is true for the first token of the run that carries text, a tool-call delta
   * or reasoning (streams also send empty tokens). Only a handler that overrides this hook is called per token.
   */
  onToken(
    run: TrackedRun<State>,
    token: string,
    fields: TokenFields,
    firstContent: boolean,
  ): void | Promise<void>;
  /** A model call ends with its result (usage in `generations[i][0].message.usage_metadata`). */
  onModelEnd(run: TrackedRun<State>, output: LLMResult): void | Promise<void>;
  /** A model call fails (after LangChain's retries; an abort arrives as `Error("AbortError")`). */
  onModelError(run: TrackedRun<State>, error: unknown): void | Promise<void>;
  /** A chain (or a prompt template: `run.runType === "prompt"`) starts. */
  onChainStart(run: TrackedRun<State>, inputs: unknown): void | Promise<void>;
  onChainEnd(run: TrackedRun<State>, outputs: unknown): void | Promise<void>;
  onChainError(run: TrackedRun<State>, error: unknown): void | Promise<void>;
  /** A tool starts: `input` is the tool's input as LangChain passes it (JSON text for structured tools). */
  onToolStart(run: TrackedRun<State>, input: string, toolCallId: string | undefined): void | Promise<void>;
  onToolEnd(run: TrackedRun<State>, output: unknown): void | Promise<void>;
  onToolError(run: TrackedRun<State>, error: unknown): void | Promise<void>;
  onRetrieverStart(run: TrackedRun<State>, query: string): void | Promise<void>;
  onRetrieverEnd(run: TrackedRun<State>, documents: readonly DocumentInterface[]): void | Promise<void>;
  onRetrieverError(run: TrackedRun<State>, error: unknown): void | Promise<void>;
  /**
   * A legacy agent executor's action (LangChain v1 agents never send it). `run` is the agent's chain run when
   * chains are tracked.
   */
  onAgentAction(run: TrackedRun<State> | undefined, action: AgentAction, runId: string): void | Promise<void>;
  /** A legacy agent executor finishes. */
  onAgentEnd(run: TrackedRun<State> | undefined, finish: AgentFinish, runId: string): void | Promise<void>;
  /** Text a legacy chain or agent prints (`handleText`). */
  onText(run: TrackedRun<State> | undefined, text: string, runId: string): void | Promise<void>;
  /**
   * A custom event (`dispatchCustomEvent`). `runId` is the run that dispatched it; `run` is its record when that
   * run is tracked.
   */
  onCustomEvent(
    name: string,
    data: unknown,
    runId: string,
    tags: readonly string[] | undefined,
    metadata: Readonly<Record<string, unknown>> | undefined,
    run: TrackedRun<State> | undefined,
  ): void | Promise<void>;
  /**
   * A run left the tracker without an end event (an abandoned stream, a crash), by idle time or capacity. Its
   * end or error may still arrive: then the end or error hook is called with `run.evicted` set. Reason
   * `"blocked"`: another handler refused the call at its start (a budget, a PII guard); LangChain sends it no end
   * or error, and none will follow.
   */
  onRunEvicted(run: TrackedRun<State>, reason: EvictionReason): void;
}

/** Name of a run-event hook. */
export type RunEventHook = keyof RunEventHooks<unknown>;

/** How a handler is wired to LangChain (the fourth argument of the base constructor). */
export interface RunEventOptions {
  /**
   * Track chain, tool and retriever runs even when the handler overrides none of their hooks, so that model runs
   * know their trace root (`run.traceId`), depth and parent records: per-trace totals and parenting need the
   * tree. Off by default: then LangChain calls no chain, tool or retriever method of a handler without hooks for
   * them, and a model run inside a chain counts its unseen parent as its trace root.
   * @default false
   */
  runTree?: boolean;
}
