import {
  CALLBACK_METHODS,
  type CallbackMethod,
  HandlerGuard,
  RunBlockedError,
  validateOptions,
} from "@chainwatch/core";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { type BaseMessage, getBufferString } from "@langchain/core/messages";
import { ARGUMENT_ROLES, type MethodRoles, STREAM_EVENT_ROLES } from "./argument-roles.js";
import { type ArgumentRole, DEFAULT_MAX_EVENT_CHARS, EventRedaction } from "./event-redaction.js";
import { type RecordedContent, recordedContentOf } from "./recorded-content.js";
import { createRedactor, type Redactor } from "./redactor.js";
import { type HeldBack, TokenBuffers } from "./token-buffers.js";
import { redactTokenFields, toolCallChunksOf } from "./token-fields.js";
import { FLAGS, WITH_REDACTION_OPTIONS, type WithRedactionOptions } from "./with-redaction-options.js";

type Args = unknown[];
/** What a callback method returns. */
type Result = void | Promise<void>;
type HandlerLike = BaseCallbackHandler & { readonly activeRunCount?: unknown };

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
    validateOptions("withRedaction", options, WITH_REDACTION_OPTIONS);
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
    const redacted: Args = new Array(args.length);
    for (let index = 0; index < args.length; index++) {
      redacted[index] = this.events.argument(args[index], roles.at[index] ?? roles.rest);
    }
    return redacted;
  }

  private r<T>(value: T, role: ArgumentRole = "meta"): T {
    return this.events.argument(value, role);
  }

  /** Forwards an event whose arguments are all described by the role table. */
  private relay(method: CallbackMethod, args: Args): Result {
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
      if (held.whole !== undefined) this.events.learn(held.whole.raw, held.whole.redacted);
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
    return this.forward("handleChatModelStreamEvent", () => this.redactArgs(args, STREAM_EVENT_ROLES));
  }
}

/** Methods that carry no tokens and need no flush: each is relayed through its role table as it is. */
const RELAYED = CALLBACK_METHODS.filter(
  (method) =>
    ![
      "handleLLMStart",
      "handleChatModelStart",
      "handleLLMNewToken",
      "handleLLMEnd",
      "handleLLMError",
    ].includes(method),
);
for (const method of RELAYED) {
  Object.defineProperty(RedactingCallbackHandler.prototype, method, {
    value(this: RedactingCallbackHandler, ...args: Args): Result {
      return (this as unknown as { relay: RedactingCallbackHandler["relay"] }).relay(method, args);
    },
    writable: true,
    configurable: true,
  });
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
