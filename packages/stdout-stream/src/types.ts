import type { ChainwatchHandlerOptions, TokenUsage } from "@chainwatch/core";
import type { WebSocketLike } from "./socket.js";

export type { WebSocketLike } from "./socket.js";

/**
 * Anything the handler can write to: `process.stdout`, a file or socket stream, an `http.ServerResponse`, a
 * `PassThrough`. `isTTY` (set by Node on terminal streams) turns colours on in `color: "auto"` mode.
 */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean };

/** How output is encoded. (With `socket`, one JSON message per event: the NDJSON objects, one a message.) */
export type StreamFormat = "text" | "sse" | "ndjson";

/** Which progress events are sent; a kind left out of the object is on. */
export interface ProgressOptions {
  /** `run-start`, `run-end` (usage, duration) and `run-error` (error type) for each root run. @default true */
  run?: boolean;
  /** `model-start` for each model call (model name). @default true */
  model?: boolean;
  /** `tool-start` and `tool-end` (tool name, duration, failed). @default true */
  tool?: boolean;
  /** `retriever-start` and `retriever-end` (document count). @default true */
  retriever?: boolean;
  /** Adds the tool's input (arguments, cut to 200 characters) to `tool-start`; off because it may hold user data. @default false */
  toolInput?: boolean;
}

/** The name of a progress event. */
export type ProgressEventName =
  | "run-start"
  | "model-start"
  | "tool-start"
  | "tool-end"
  | "retriever-start"
  | "retriever-end"
  | "run-end"
  | "run-error";

/** One progress event (the data of an SSE event, an NDJSON line or a WebSocket message, with `event`). */
export interface ProgressRecord {
  event: ProgressEventName;
  /** The run the event is about. */
  runId: string;
  /** The root run of its tree: one conversation turn, whatever runs it made. */
  traceId: string;
  /** Run name: the tool, the retriever, the chain or agent (`LangGraph`), the model class. */
  name?: string;
  /** Requested model (`model-start`). */
  model?: string;
  /** Tool input (`tool-start` with `progress.toolInput`). */
  input?: string;
  /** Milliseconds from start (`tool-end`, `retriever-end`, `run-end`, `run-error`). */
  durationMs?: number;
  /** The tool or retriever failed (`tool-end`, `retriever-end`). */
  failed?: boolean;
  /** Documents retrieved (`retriever-end`). */
  documents?: number;
  /** Usage summed over the run's model calls (`run-end`). */
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number };
  /** Error class or LangChain error code (`run-error`, and a failed tool or retriever). */
  errorType?: string;
}

/** Which LLM runs print. */
export type ShowMode = "all" | "final";

/** What happens when several LLM runs stream to the same output at once. */
export type ConcurrencyMode = "exclusive" | "prefix" | "interleave";

/** Options of {@link StdoutStreamCallbackHandler}. */
export interface StdoutStreamOptions extends ChainwatchHandlerOptions {
  /**
   * Where tokens go. Several handlers on the same stream share one queue and print each run once.
   * @default process.stdout
   */
  stream?: OutputStream;
  /**
   * A WebSocket (the `ws` package's server socket) to send to instead of `stream`: one JSON message per event,
   * the same events and fields as `format: "ndjson"`. `maxQueuedChars` bounds its `bufferedAmount`. When it closes,
   * `signal` aborts and the runs still going are reported once.
   */
  socket?: WebSocketLike;
  /**
   * Progress events (run, model call, tool and retriever start/end) for a UI to show what an agent is doing.
   * `true` for all, `false` for none, or each kind switched.
   * @default true in sse, ndjson and with `socket`; false in text
   */
  progress?: boolean | ProgressOptions;
  /**
   * `"text"`: the tokens themselves. `"sse"`: Server-Sent Events for a browser (`token`, `reasoning`,
   * `tool-call`, `tool-result`, `end` and `error` events, JSON data). `"ndjson"`: one JSON object a line.
   * @default "text"
   */
  format?: StreamFormat;
  /**
   * `"all"`: every LLM run. `"final"`: only the answer the user should see — the text of LLM runs that do not end
   * in tool calls; an agent's intermediate steps do not print.
   * @default "all"
   */
  show?: ShowMode;
  /**
   * `"exclusive"`: the first run to start owns the stream; other runs' output is held and written as a block when
   * the owner ends (with progress on, a run is a whole root run: one conversation turn). `"prefix"` (text format):
   * each line starts with a short run label. `"interleave"`: written as it arrives (every event carries its run
   * id).
   * @default "exclusive"; "interleave" with `socket` (a client asks for one run at a time with "exclusive")
   */
  concurrency?: ConcurrencyMode;
  /**
   * In `"exclusive"` mode, an owner that has written nothing for this long gives the stream up to a waiting run
   * (a consumer that breaks out of `.stream()` never ends its run).
   * @default 5000
   */
  ownerIdleMs?: number;
  /**
   * Model reasoning: `false` hides it, `true` writes it to `stream` (dim on a colour terminal, `reasoning` events
   * in sse/ndjson), a writable sends its plain text there instead.
   * @default false
   */
  reasoning?: boolean | OutputStream;
  /**
   * Print each completed tool call once as `→ name(args)` and its result as a short `← result` line
   * (`tool-call` / `tool-result` events in sse/ndjson).
   * @default false
   */
  toolCalls?: boolean;
  /**
   * `"auto"`: colour when `stream` is a TTY and `NO_COLOR` is unset or empty; a `FORCE_COLOR` other than `0` or
   * `false` forces it on, `FORCE_COLOR=0` off. Only the text format is ever coloured.
   * @default "auto"
   */
  color?: "auto" | boolean;
  /**
   * A summary line per printed run (time to first token, tokens per second, usage). `true` writes it to
   * `process.stderr`; a writable sends it there. In sse/ndjson the same figures are always in the `end` event.
   * @default false
   */
  footer?: boolean | OutputStream;
  /**
   * Where a one-line message goes when an LLM call fails (after a newline on `stream`); `false` for none. The
   * run's own error is never changed.
   * @default process.stderr
   */
  errorOutput?: false | OutputStream;
  /**
   * Most characters held for one stream while it is not draining (`write()` returned false) or while a run waits
   * for the owner in `"exclusive"` mode; past it, output is dropped and counted in `droppedChars`.
   * @default 1048576
   */
  maxQueuedChars?: number;
  /**
   * Longest `close()` waits for a stream to drain; what is still queued then is dropped and counted.
   * @default 3000
   */
  closeTimeoutMs?: number;
  /**
   * Environment read for `NO_COLOR`, `FORCE_COLOR` and `TERM`.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Await this handler inside the run instead of on LangChain's background queue, so every token is written when
   * `invoke()` resolves (useful before ending an HTTP response).
   * @default false
   */
  awaitHandlers?: boolean;
}

/** What an `end` event (sse/ndjson) and the footer report about one LLM run. */
export interface RunSummaryRecord {
  /** Short label of the run (end of its trace id). */
  run: string;
  /** Model requested at start, or reported in the response. */
  model: string | undefined;
  /** Milliseconds from start to the first token carrying content, if any arrived. */
  ttftMs: number | undefined;
  /** Output tokens per second after the first token (usage when reported, else token callbacks counted). */
  tokensPerSecond: number | undefined;
  /** Usage the response reported. */
  usage: Pick<TokenUsage, "inputTokens" | "outputTokens" | "totalTokens"> | undefined;
  /** Why the model stopped (`stop`, `length`, `tool_calls`, …). */
  finishReason: string | undefined;
}

/** What `close()` reports. */
export interface StreamCloseResult {
  /** Characters still queued for a stream that did not drain within `closeTimeoutMs`, dropped at close. */
  droppedChars: number;
  /** A stream did not drain within `closeTimeoutMs`. */
  timedOut: boolean;
}
