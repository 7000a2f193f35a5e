import { type ChainwatchHandlerOptions, HandlerGuard, RunBlockedError } from "@chainwatch/core";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { type BaseMessage, getBufferString } from "@langchain/core/messages";
import { createRedactor, type Redactor } from "./redactor.js";
import type { StreamRedactorOptions } from "./stream.js";
import { type HeldBack, TokenBuffers } from "./token-buffers.js";
import { redactTokenFields, toolCallChunksOf } from "./token-fields.js";

/** Options of {@link withRedaction}. */
export interface WithRedactionOptions extends ChainwatchHandlerOptions, StreamRedactorOptions {}

type Args = unknown[];
/** What a callback method returns. */
type Result = void | Promise<void>;
type HandlerLike = BaseCallbackHandler & { readonly activeRunCount?: unknown };

const FLAGS = [
  "ignoreLLM",
  "ignoreChain",
  "ignoreAgent",
  "ignoreRetriever",
  "ignoreCustomEvent",
  "raiseError",
  "awaitHandlers",
] as const;

function then(first: unknown, next: () => unknown): unknown {
  if (typeof (first as PromiseLike<unknown> | undefined)?.then === "function") {
    return Promise.resolve(first).then(next);
  }
  return next();
}

/**
 * Wraps a callback handler so that everything it receives is redacted first: prompts, chat messages (every
 * content part), tool-call arguments, tool inputs and outputs, retriever queries and documents, chain inputs and
 * outputs, metadata, tags, error messages, and streamed tokens. Tokens go through a per-run
 * {@link StreamRedactor}: the wrapped handler receives text a little later (up to `holdBackChars`), never a
 * value split across tokens, and the rest as one last token before the run's end or error.
 *
 * The wrapper copies the wrapped handler's `name`, `raiseError`, `awaitHandlers`, `ignore*` flags and
 * `lc_prefer_streaming`. If redaction itself fails, the event is dropped (reported once through
 * `onHandlerError`), never forwarded unredacted.
 */
export class RedactingCallbackHandler extends BaseCallbackHandler {
  name: string;
  /** The wrapped handler. */
  readonly handler: HandlerLike;
  /** The redactor applied to every argument. */
  readonly redactor: Redactor;
  private readonly tokens: TokenBuffers;
  private readonly guard: HandlerGuard;
  private readonly options: WithRedactionOptions;

  constructor(handler: BaseCallbackHandler, redactor?: Redactor, options: WithRedactionOptions = {}) {
    // Duck-typed as well: a handler built against another copy of @langchain/core (ESM next to CJS) is still one.
    const looksLikeHandler =
      typeof handler === "object" &&
      handler !== null &&
      typeof (handler as { copy?: unknown }).copy === "function";
    if (!(handler instanceof BaseCallbackHandler) && !looksLikeHandler) {
      throw new TypeError(`withRedaction needs a callback handler, got ${String(handler)}`);
    }
    super();
    this.handler = handler;
    this.redactor = redactor ?? createRedactor();
    this.options = options;
    this.name = handler.name;
    const self = this as unknown as Record<string, unknown>;
    const source = handler as unknown as Record<string, unknown>;
    for (const flag of FLAGS) self[flag] = source[flag];
    if (source.lc_prefer_streaming === true) self.lc_prefer_streaming = true;
    this.guard = new HandlerGuard(`redacting(${handler.name})`, options.onHandlerError);
    this.tokens = new TokenBuffers(this.redactor, options, options.runs);
  }

  /** Runs this wrapper holds a token buffer for, plus those the wrapped handler reports. */
  get activeRunCount(): number {
    const inner = this.handler.activeRunCount;
    return this.tokens.size + (typeof inner === "number" ? inner : 0);
  }

  /** Redaction failures since construction (the events they concerned were dropped). */
  get handlerErrorCount(): number {
    return this.guard.errorCount;
  }

  override copy(): BaseCallbackHandler {
    return new RedactingCallbackHandler(this.handler.copy(), this.redactor, this.options);
  }

  private has(method: string): boolean {
    return typeof (this.handler as unknown as Record<string, unknown>)[method] === "function";
  }

  private call(method: string, args: Args): unknown {
    const fn = (this.handler as unknown as Record<string, unknown>)[method];
    return typeof fn === "function" ? fn.apply(this.handler, args) : undefined;
  }

  /** Builds the redacted arguments and forwards them; a failure to redact drops the event. */
  private forward(method: string, build: () => Args): Result {
    if (!this.has(method)) return undefined;
    let args: Args;
    try {
      args = build();
    } catch (error) {
      if (error instanceof RunBlockedError) throw error;
      this.guard.report(method, error);
      return undefined;
    }
    return this.call(method, args) as Result;
  }

  private r<T>(value: T): T {
    return this.redactor.redactValue(value);
  }

  override handleLLMStart(...args: Args): Result {
    const [llm, prompts, runId, parentRunId, extraParams, tags, metadata, ...rest] = args;
    this.tokens.start(String(runId), parentRunId);
    return this.forward("handleLLMStart", () => [
      this.r(llm),
      this.r(prompts),
      runId,
      parentRunId,
      this.r(extraParams),
      this.r(tags),
      this.r(metadata),
      ...rest,
    ]);
  }

  override handleChatModelStart(...args: Args): Result {
    const [llm, messages, runId, parentRunId, extraParams, tags, metadata, ...rest] = args;
    this.tokens.start(String(runId), parentRunId);
    if (!this.has("handleChatModelStart")) {
      // What LangChain does for a handler without handleChatModelStart: the prompt as one string per group.
      return this.forward("handleLLMStart", () => [
        this.r(llm),
        (messages as BaseMessage[][]).map((group) => this.redactor.redactText(getBufferString(group))),
        runId,
        parentRunId,
        this.r(extraParams),
        this.r(tags),
        this.r(metadata),
        ...rest,
      ]);
    }
    return this.forward("handleChatModelStart", () => [
      this.r(llm),
      this.r(messages),
      runId,
      parentRunId,
      this.r(extraParams),
      this.r(tags),
      this.r(metadata),
      ...rest,
    ]);
  }

  override handleLLMNewToken(...args: Args): Result {
    const [token, idx, runId, parentRunId, tags, fields] = args;
    return this.forward("handleLLMNewToken", () => {
      const released = this.tokens.push(String(runId), parentRunId, String(token ?? ""));
      const tools = this.tokens.pushTools(String(runId), parentRunId, toolCallChunksOf(fields));
      return [
        released,
        idx,
        runId,
        parentRunId,
        this.r(tags),
        redactTokenFields(fields, released, tools, this.redactor),
      ];
    });
  }

  /** Releases a run's held-back text as one last token, then forwards the end or error event. */
  private finish(
    method: string,
    runId: unknown,
    build: () => Args,
    parentRunId: unknown,
    tags: unknown,
  ): Result {
    let held: HeldBack = { text: "", tools: [] };
    try {
      held = this.tokens.end(String(runId));
    } catch (error) {
      if (error instanceof RunBlockedError) throw error;
      this.guard.report("flush", error);
    }
    const flushed =
      (held.text === "" && held.tools.length === 0) || !this.has("handleLLMNewToken")
        ? undefined
        : this.call("handleLLMNewToken", [
            held.text,
            { prompt: 0, completion: 0 },
            runId,
            parentRunId,
            this.r(tags),
            redactTokenFields({ chunk: { message: {} } }, held.text, held.tools, this.redactor),
          ]);
    return then(flushed, () => this.forward(method, build)) as Result;
  }

  override handleLLMEnd(...args: Args): Result {
    const [output, runId, parentRunId, tags, ...rest] = args;
    return this.finish(
      "handleLLMEnd",
      runId,
      () => [this.r(output), runId, parentRunId, this.r(tags), ...rest.map((value) => this.r(value))],
      parentRunId,
      tags,
    );
  }

  override handleLLMError(...args: Args): Result {
    const [error, runId, parentRunId, tags, ...rest] = args;
    return this.finish(
      "handleLLMError",
      runId,
      () => [this.r(error), runId, parentRunId, this.r(tags), ...rest.map((value) => this.r(value))],
      parentRunId,
      tags,
    );
  }

  /**
   * Content-block stream events (sent only when some handler on the run opts into them) are redacted one event
   * at a time, without a hold-back buffer.
   */
  override handleChatModelStreamEvent(...args: Args): Result {
    return this.forward("handleChatModelStreamEvent", () => this.redactAllBut(args, [1, 2]));
  }

  override handleChainStart(...args: Args): Result {
    // Runtime order: (serialized, inputs, runId, parentRunId, tags, metadata, runType, runName).
    const [chain, inputs, runId, parentRunId, tags, metadata, ...rest] = args;
    return this.forward("handleChainStart", () => [
      this.r(chain),
      this.r(inputs),
      runId,
      parentRunId,
      this.r(tags),
      this.r(metadata),
      ...rest,
    ]);
  }

  override handleChainEnd(...args: Args): Result {
    return this.forward("handleChainEnd", () => this.redactAllBut(args, [1, 2]));
  }

  override handleChainError(...args: Args): Result {
    return this.forward("handleChainError", () => this.redactAllBut(args, [1, 2]));
  }

  override handleToolStart(...args: Args): Result {
    // (tool, input, runId, parentRunId, tags, metadata, runName, toolCallId)
    return this.forward("handleToolStart", () => this.redactAllBut(args, [2, 3, 6, 7]));
  }

  override handleToolEnd(...args: Args): Result {
    return this.forward("handleToolEnd", () => this.redactAllBut(args, [1, 2]));
  }

  override handleToolError(...args: Args): Result {
    return this.forward("handleToolError", () => this.redactAllBut(args, [1, 2]));
  }

  override handleToolEvent(...args: Args): Result {
    return this.forward("handleToolEvent", () => this.redactAllBut(args, [1, 2]));
  }

  override handleRetrieverStart(...args: Args): Result {
    // (retriever, query, runId, parentRunId, tags, metadata, name)
    return this.forward("handleRetrieverStart", () => this.redactAllBut(args, [2, 3, 6]));
  }

  override handleRetrieverEnd(...args: Args): Result {
    return this.forward("handleRetrieverEnd", () => this.redactAllBut(args, [1, 2]));
  }

  override handleRetrieverError(...args: Args): Result {
    return this.forward("handleRetrieverError", () => this.redactAllBut(args, [1, 2]));
  }

  override handleAgentAction(...args: Args): Result {
    return this.forward("handleAgentAction", () => this.redactAllBut(args, [1, 2]));
  }

  override handleAgentEnd(...args: Args): Result {
    return this.forward("handleAgentEnd", () => this.redactAllBut(args, [1, 2]));
  }

  override handleText(...args: Args): Result {
    return this.forward("handleText", () => this.redactAllBut(args, [1, 2]));
  }

  override handleCustomEvent(...args: Args): Result {
    // (eventName, data, runId, tags, metadata)
    return this.forward("handleCustomEvent", () => this.redactAllBut(args, [0, 2]));
  }

  private redactAllBut(args: Args, keep: readonly number[]): Args {
    return args.map((value, index) => (keep.includes(index) ? value : this.r(value)));
  }
}

/**
 * Wraps any callback handler so that everything it receives is redacted first, streamed tokens included.
 *
 * @example
 * ```ts
 * import { withRedaction, createRedactor } from "@chainwatch/pii-redact";
 * const handler = withRedaction(new MyLoggingHandler(), createRedactor({ strategies: { EMAIL: "mask" } }));
 * await model.invoke("Mail ann@example.com", { callbacks: [handler] });
 * ```
 */
export function withRedaction(
  handler: BaseCallbackHandler,
  redactor?: Redactor,
  options?: WithRedactionOptions,
): RedactingCallbackHandler {
  return new RedactingCallbackHandler(handler, redactor, options);
}
