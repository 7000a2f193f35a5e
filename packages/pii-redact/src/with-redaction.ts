import { type ChainwatchHandlerOptions, HandlerGuard, RunBlockedError } from "@chainwatch/core";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { type BaseMessage, getBufferString } from "@langchain/core/messages";
import { ARGUMENT_ROLES, type MethodRoles } from "./argument-roles.js";
import { type ArgumentRole, DEFAULT_MAX_EVENT_CHARS, EventRedaction } from "./event-redaction.js";
import { type RecordedContent, recordedContentOf } from "./recorded-content.js";
import { createRedactor, type Redactor } from "./redactor.js";
import type { StreamRedactorOptions } from "./stream.js";
import { type HeldBack, TokenBuffers } from "./token-buffers.js";
import { redactTokenFields, toolCallChunksOf } from "./token-fields.js";

/** Options of {@link withRedaction}. */
export interface WithRedactionOptions extends ChainwatchHandlerOptions, StreamRedactorOptions {
  /**
   * What the wrapped handler records of a run's content, when the handler does not say so itself through its
   * `recordedContent` property (see {@link RecordedContent}). Content it never records is not redacted; content
   * it truncates is cut first.
   * @default the handler's `recordedContent`, else everything, whole
   */
  recordedContent?: RecordedContent;
  /**
   * Characters of text redacted per callback event at most, so that no event holds the event loop long whatever
   * the prompt. Past it, the rest of each string is replaced by a `[REDACTED:CUT n chars]` marker.
   * @default 262144
   */
  maxEventChars?: number;
}

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
 * It does only the work its handler needs: each distinct string is redacted once, only what changed is copied,
 * content the handler declares it does not record ({@link RecordedContent}) is not redacted, and no event
 * redacts more than `maxEventChars`.
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
  private readonly events: EventRedaction;

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
    const maxEventChars = options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS;
    if (!(Number.isInteger(maxEventChars) && maxEventChars > 0)) {
      throw new RangeError(`withRedaction: maxEventChars must be a positive integer, got ${maxEventChars}`);
    }
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
    const recorded = recordedContentOf(handler, options.recordedContent);
    this.events = new EventRedaction(this.redactor, recorded, maxEventChars);
  }

  /** What the wrapped handler records of a run's content, as declared (see {@link RecordedContent}). */
  get recordedContent(): RecordedContent {
    return this.events.recorded;
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
      this.events.begin();
      args = build();
    } catch (error) {
      if (error instanceof RunBlockedError) throw error;
      this.guard.report(method, error);
      return undefined;
    }
    return this.call(method, args) as Result;
  }

  /** Each argument redacted as its method's role table says. */
  private redactArgs(args: Args, roles: MethodRoles): Args {
    return args.map((value, index) => this.events.argument(value, roles.at[index] ?? roles.rest));
  }

  private r<T>(value: T, role: ArgumentRole = "meta"): T {
    return this.events.argument(value, role);
  }

  /** Forwards an event whose arguments are all described by the role table. */
  private relay(method: keyof typeof ARGUMENT_ROLES, args: Args): Result {
    return this.forward(method, () => this.redactArgs(args, ARGUMENT_ROLES[method]));
  }

  override handleLLMStart(...args: Args): Result {
    if (!this.events.passesTokens) this.tokens.start(String(args[2]), args[3]);
    return this.relay("handleLLMStart", args);
  }

  override handleChatModelStart(...args: Args): Result {
    if (!this.events.passesTokens) this.tokens.start(String(args[2]), args[3]);
    if (this.has("handleChatModelStart")) return this.relay("handleChatModelStart", args);
    // What LangChain does for a handler without handleChatModelStart: the prompt as one string per group.
    const prompts = (args[1] as BaseMessage[][]).map((group) => getBufferString(group));
    return this.relay("handleLLMStart", [args[0], prompts, ...args.slice(2)]);
  }

  override handleLLMNewToken(...args: Args): Result {
    if (this.events.passesTokens) return this.relay("handleLLMNewToken", args);
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
        redactTokenFields(fields, released, tools, (value) => this.r(value)),
      ];
    });
  }

  /** Releases a run's held-back text as one last token, then forwards the end or error event. */
  private finish(method: "handleLLMEnd" | "handleLLMError", args: Args): Result {
    const [, runId, parentRunId, tags] = args;
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
        : this.forward("handleLLMNewToken", () => [
            held.text,
            { prompt: 0, completion: 0 },
            runId,
            parentRunId,
            this.r(tags),
            redactTokenFields({ chunk: { message: {} } }, held.text, held.tools, (value) => this.r(value)),
          ]);
    return then(flushed, () => this.relay(method, args)) as Result;
  }

  override handleLLMEnd(...args: Args): Result {
    return this.finish("handleLLMEnd", args);
  }

  override handleLLMError(...args: Args): Result {
    return this.finish("handleLLMError", args);
  }

  /**
   * Content-block stream events (sent only when some handler on the run opts into them) are redacted one event
   * at a time, without a hold-back buffer.
   */
  override handleChatModelStreamEvent(...args: Args): Result {
    return this.relay("handleChatModelStreamEvent", args);
  }

  override handleChainStart(...args: Args): Result {
    return this.relay("handleChainStart", args);
  }

  override handleChainEnd(...args: Args): Result {
    return this.relay("handleChainEnd", args);
  }

  override handleChainError(...args: Args): Result {
    return this.relay("handleChainError", args);
  }

  override handleToolStart(...args: Args): Result {
    return this.relay("handleToolStart", args);
  }

  override handleToolEnd(...args: Args): Result {
    return this.relay("handleToolEnd", args);
  }

  override handleToolError(...args: Args): Result {
    return this.relay("handleToolError", args);
  }

  override handleToolEvent(...args: Args): Result {
    return this.relay("handleToolEvent", args);
  }

  override handleRetrieverStart(...args: Args): Result {
    return this.relay("handleRetrieverStart", args);
  }

  override handleRetrieverEnd(...args: Args): Result {
    return this.relay("handleRetrieverEnd", args);
  }

  override handleRetrieverError(...args: Args): Result {
    return this.relay("handleRetrieverError", args);
  }

  override handleAgentAction(...args: Args): Result {
    return this.relay("handleAgentAction", args);
  }

  override handleAgentEnd(...args: Args): Result {
    return this.relay("handleAgentEnd", args);
  }

  override handleText(...args: Args): Result {
    return this.relay("handleText", args);
  }

  override handleCustomEvent(...args: Args): Result {
    return this.relay("handleCustomEvent", args);
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
