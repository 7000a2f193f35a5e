import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import type { DocumentInterface } from "@langchain/core/documents";
import type { BaseMessage } from "@langchain/core/messages";
import { recordBlockedRun } from "./blocked-runs.js";
import { asMetadata, asTags, type CallbackMethod } from "./callback-args.js";
import { carriesContent } from "./content.js";
import { isThenable, RunBlockedError } from "./guard.js";
import type { RunEventHooks, TokenFields } from "./hooks.js";
import { modelFromStart, serializedClassName } from "./model.js";
import type { RunTracker, RunType, TrackedRun } from "./run-tracker.js";

/** What the dispatchers see of a handler: its tracker, its state factory and its hooks. */
export interface HookTarget extends RunEventHooks<unknown> {
  readonly runs: RunTracker<unknown>;
  /** LangChain's flags: a start hook's `RunBlockedError` stops the call only when both are set. */
  readonly raiseError: boolean;
  readonly awaitHandlers: boolean;
  createRunState(runType: RunType): unknown;
}

/** A callback method's implementation; called with the handler as `this` (through the guard). */
type Dispatcher = (this: HookTarget, ...args: unknown[]) => unknown;

/** Run name from the start event, else the serialized class name (`ChatOpenAI`), else the run type. */
export function runNameOf(runNameArg: unknown, serialized: unknown, fallback: string): string {
  if (typeof runNameArg === "string" && runNameArg !== "") return runNameArg;
  return serializedClassName(serialized) ?? fallback;
}

/**
 * A start the hook blocks (a `RunBlockedError`, sync or async) never gets an end event, so its run is released
 * here; when the handler can stop the call (`raiseError`, which LangChain awaits), the refusal is recorded for
 * the other handlers, which got the start too and will get no end either. The error goes on to the guard, which
 * lets it through.
 */
function blocked(target: HookTarget, run: TrackedRun<unknown>, error: unknown): void {
  if (!(error instanceof RunBlockedError)) return;
  target.runs.end(run.runId);
  if (target.raiseError && target.awaitHandlers) recordBlockedRun(run.runId);
}

/**
 * Calls a start hook; then, if another handler already refused the call, evicts the run at once (`"blocked"`):
 * no end event will come for it.
 */
function callStartHook(target: HookTarget, run: TrackedRun<unknown>, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    blocked(target, run, error);
    throw error;
  }
  if (!isThenable(result)) {
    target.runs.evictBlocked(run.runId);
    return result;
  }
  return Promise.resolve(result).then(
    () => {
      target.runs.evictBlocked(run.runId);
    },
    (error: unknown) => {
      blocked(target, run, error);
      throw error;
    },
  );
}

function startRun(
  target: HookTarget,
  runType: RunType,
  serialized: unknown,
  runId: unknown,
  parentRunId: unknown,
  tags: unknown,
  metadata: unknown,
  runNameArg: unknown,
  model?: { model: string | undefined; provider: string | undefined },
): TrackedRun<unknown> {
  return target.runs.start({
    runId: runId as string,
    parentRunId: typeof parentRunId === "string" ? parentRunId : undefined,
    runType,
    name: runNameOf(runNameArg, serialized, runType),
    tags: asTags(tags),
    metadata: asMetadata(metadata),
    model: model?.model,
    provider: model?.provider,
    state: target.createRunState(runType),
  });
}

function modelStart(kind: "chat" | "text"): Dispatcher {
  return function (
    this: HookTarget,
    serialized,
    prompts,
    runId,
    parentRunId,
    extraParams,
    tags,
    metadata,
    name,
  ) {
    const model = modelFromStart(serialized, extraParams, metadata);
    const run = startRun(this, "llm", serialized, runId, parentRunId, tags, metadata, name, model);
    const extra = asMetadata(extraParams);
    const common = { serialized, extraParams: extra, invocationParams: asMetadata(extra?.invocation_params) };
    return callStartHook(this, run, () =>
      this.onModelStart(
        run,
        kind === "chat"
          ? { kind, messages: prompts as BaseMessage[][], ...common }
          : { kind, prompts: prompts as string[], ...common },
      ),
    );
  };
}

/** handleChainStart / handleToolStart / handleRetrieverStart: the same argument positions up to the run name. */
function runStart(runType: "tool" | "retriever", hook: "onToolStart" | "onRetrieverStart"): Dispatcher {
  return function (
    this: HookTarget,
    serialized,
    input,
    runId,
    parentRunId,
    tags,
    metadata,
    name,
    toolCallId,
  ) {
    const run = startRun(this, runType, serialized, runId, parentRunId, tags, metadata, name);
    return callStartHook(this, run, () =>
      hook === "onToolStart"
        ? this.onToolStart(run, input as string, typeof toolCallId === "string" ? toolCallId : undefined)
        : this.onRetrieverStart(run, input as string),
    );
  };
}

type EndHook =
  | "onModelEnd"
  | "onModelError"
  | "onChainEnd"
  | "onChainError"
  | "onToolEnd"
  | "onToolError"
  | "onRetrieverEnd"
  | "onRetrieverError";

/**
 * An end or error callback: `(payload, runId, …)`. The run leaves the tracker, then the hook sees it; a run
 * evicted recently is still delivered, with `run.evicted` set.
 */
function runEnd(hook: EndHook): Dispatcher {
  return function (this: HookTarget, payload, runId) {
    const run = this.runs.settle(runId as string);
    if (run === undefined) return undefined;
    return (this[hook] as (run: TrackedRun<unknown>, payload: unknown) => unknown)(run, payload);
  };
}

/**
 * The base class's implementation of each LangChain callback method, installed per handler instance only when a
 * hook (or the run tree) needs it.
 */
export const DISPATCHERS: Readonly<Partial<Record<CallbackMethod, Dispatcher>>> = {
  handleChatModelStart: modelStart("chat"),
  handleLLMStart: modelStart("text"),
  handleLLMNewToken(this: HookTarget, token, _idx, runId, _parentRunId, _tags, fields) {
    const run = this.runs.get(runId as string);
    if (run === undefined) return undefined;
    // A token that is not a string (garbage from a custom model) counts as empty, never as a failure.
    const text = typeof token === "string" ? token : "";
    let first = false;
    if (carriesContent(text, fields)) first = this.runs.markFirstToken(run);
    else this.runs.touch(run);
    return this.onToken(run, text, fields as TokenFields, first);
  },
  handleLLMEnd: runEnd("onModelEnd"),
  handleLLMError: runEnd("onModelError"),
  handleChainStart(this: HookTarget, serialized, inputs, runId, parentRunId, tags, metadata, runType, name) {
    // Runtime order, not the .d.ts: runType is the 7th argument ("prompt" for prompt templates).
    const type = runType === "prompt" ? "prompt" : "chain";
    const run = startRun(this, type, serialized, runId, parentRunId, tags, metadata, name);
    return callStartHook(this, run, () => this.onChainStart(run, inputs));
  },
  handleChainEnd: runEnd("onChainEnd"),
  handleChainError: runEnd("onChainError"),
  handleToolStart: runStart("tool", "onToolStart"),
  handleToolEnd: runEnd("onToolEnd"),
  handleToolError: runEnd("onToolError"),
  handleRetrieverStart: runStart("retriever", "onRetrieverStart"),
  handleRetrieverEnd(this: HookTarget, documents, runId) {
    const run = this.runs.settle(runId as string);
    if (run === undefined) return undefined;
    return this.onRetrieverEnd(run, (Array.isArray(documents) ? documents : []) as DocumentInterface[]);
  },
  handleRetrieverError: runEnd("onRetrieverError"),
  handleAgentAction(this: HookTarget, action, runId) {
    return this.onAgentAction(this.runs.get(runId as string), action as AgentAction, runId as string);
  },
  handleAgentEnd(this: HookTarget, finish, runId) {
    return this.onAgentEnd(this.runs.get(runId as string), finish as AgentFinish, runId as string);
  },
  handleText(this: HookTarget, text, runId) {
    return this.onText(this.runs.get(runId as string), String(text), runId as string);
  },
  handleCustomEvent(this: HookTarget, name, data, runId, tags, metadata) {
    return this.onCustomEvent(
      String(name),
      data,
      runId as string,
      asTags(tags),
      asMetadata(metadata),
      this.runs.get(runId as string),
    );
  },
};
