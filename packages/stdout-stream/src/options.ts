import { handlerOptionShape, type OptionShape, validateOptions } from "@chainwatch/core";
import { isWebSocket, type WebSocketLike } from "./socket.js";
import type {
  ConcurrencyMode,
  OutputStream,
  ProgressOptions,
  ShowMode,
  StdoutStreamOptions,
  StreamFormat,
} from "./types.js";

/** Which progress events are on. */
export interface ResolvedProgress {
  run: boolean;
  model: boolean;
  tool: boolean;
  retriever: boolean;
  toolInput: boolean;
  /** Any kind is on: root runs are tracked. */
  any: boolean;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  /** Where output goes: `socket` when given, else `stream`. */
  stream: OutputStream | WebSocketLike;
  /** `"message"`: JSON messages over `socket`. */
  format: StreamFormat | "message";
  progress: ResolvedProgress;
  show: ShowMode;
  concurrency: ConcurrencyMode;
  ownerIdleMs: number;
  /** Where reasoning goes: nowhere, inline on `stream`, or its own writable. */
  reasoning: false | "inline" | OutputStream;
  toolCalls: boolean;
  color: "auto" | boolean;
  footer: OutputStream | undefined;
  errorOutput: OutputStream | undefined;
  maxQueuedChars: number;
  closeTimeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
}

const FORMATS: readonly StreamFormat[] = ["text", "sse", "ndjson"];
const SHOW_MODES: readonly ShowMode[] = ["all", "final"];
const CONCURRENCY_MODES: readonly ConcurrencyMode[] = ["exclusive", "prefix", "interleave"];

function isWritable(value: unknown): value is OutputStream {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { write?: unknown }).write === "function" &&
    typeof (value as { on?: unknown }).on === "function"
  );
}

function fail(message: string): never {
  throw new TypeError(`StdoutStreamCallbackHandler: ${message}`);
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(
    `${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(value)}`,
  );
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `StdoutStreamCallbackHandler: ${name} must be a positive finite number, got ${String(value)}`,
    );
  }
  return value;
}

function stream(name: string, value: unknown): OutputStream {
  if (!isWritable(value))
    fail(`${name} must be a writable stream (with write() and on()), got ${typeof value}`);
  return value;
}

function streamOrFlag(name: string, value: unknown, whenTrue: () => OutputStream): OutputStream | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return whenTrue();
  return stream(name, value);
}

const PROGRESS_KINDS = ["run", "model", "tool", "retriever"] as const;

function progressOption(value: unknown, textFormat: boolean): ResolvedProgress {
  const all = (on: boolean): ResolvedProgress => ({
    run: on,
    model: on,
    tool: on,
    retriever: on,
    toolInput: false,
    any: on,
  });
  if (value === undefined) return all(!textFormat);
  if (typeof value === "boolean") return all(value);
  if (typeof value !== "object" || value === null) {
    fail(`progress must be a boolean or an object of booleans, got ${JSON.stringify(value)}`);
  }
  const kinds = value as ProgressOptions;
  for (const [key, flag] of Object.entries(kinds)) {
    if (flag !== undefined && typeof flag !== "boolean") {
      fail(`progress.${key} must be a boolean, got ${JSON.stringify(flag)}`);
    }
  }
  const resolved = all(true);
  for (const kind of PROGRESS_KINDS) resolved[kind] = kinds[kind] ?? true;
  resolved.toolInput = kinds.toolInput ?? false;
  resolved.any = PROGRESS_KINDS.some((kind) => resolved[kind]);
  return resolved;
}

function target(options: StdoutStreamOptions): OutputStream | WebSocketLike {
  if (options.socket === undefined) {
    return options.stream === undefined ? process.stdout : stream("stream", options.stream);
  }
  if (!isWebSocket(options.socket)) {
    fail(
      "socket must be a WebSocket (with send(), bufferedAmount, readyState and on()), e.g. from the ws package",
    );
  }
  if (options.stream !== undefined) fail("pass either stream or socket, not both");
  if (options.format !== undefined) {
    fail("format does not apply to socket: every event is one JSON message (the ndjson objects)");
  }
  return options.socket;
}

/** Every key the constructor accepts (LangChain's handler keys and `runs` / `onHandlerError` included). */
const OPTION_SHAPE: OptionShape = handlerOptionShape({
  stream: true,
  socket: true,
  format: true,
  progress: { run: true, model: true, tool: true, retriever: true, toolInput: true },
  show: true,
  concurrency: true,
  ownerIdleMs: true,
  reasoning: true,
  toolCalls: true,
  color: true,
  footer: true,
  errorOutput: true,
  maxQueuedChars: true,
  closeTimeoutMs: true,
  env: true,
});

/** Applies defaults and rejects unknown keys and bad values loudly, naming the option and the value. */
export function resolveOptions(options: StdoutStreamOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null)
    fail(`options must be an object, got ${String(options)}`);
  validateOptions("StdoutStreamCallbackHandler", options, OPTION_SHAPE);
  const color = options.color ?? "auto";
  if (color !== "auto" && typeof color !== "boolean") {
    fail(`color must be "auto", true or false, got ${JSON.stringify(color)}`);
  }
  if (options.toolCalls !== undefined && typeof options.toolCalls !== "boolean") {
    fail(`toolCalls must be a boolean, got ${JSON.stringify(options.toolCalls)}`);
  }
  const reasoning = options.reasoning ?? false;
  if ((options.errorOutput as unknown) === true)
    fail("errorOutput must be a writable stream or false, got true");
  const destination = target(options);
  const socket = options.socket !== undefined;
  const format = socket ? "message" : oneOf("format", options.format, FORMATS, "text");
  return {
    stream: destination,
    format,
    progress: progressOption(options.progress, format === "text"),
    show: oneOf("show", options.show, SHOW_MODES, "all"),
    concurrency: oneOf(
      "concurrency",
      options.concurrency,
      CONCURRENCY_MODES,
      socket ? "interleave" : "exclusive",
    ),
    ownerIdleMs: positive("ownerIdleMs", options.ownerIdleMs, 5_000),
    reasoning: reasoning === false ? false : reasoning === true ? "inline" : stream("reasoning", reasoning),
    toolCalls: options.toolCalls ?? false,
    color,
    footer: streamOrFlag("footer", options.footer, () => process.stderr),
    errorOutput:
      options.errorOutput === undefined
        ? process.stderr
        : streamOrFlag("errorOutput", options.errorOutput, () => process.stderr),
    maxQueuedChars: Math.floor(positive("maxQueuedChars", options.maxQueuedChars, 1_048_576)),
    closeTimeoutMs: positive("closeTimeoutMs", options.closeTimeoutMs, 3_000),
    env: options.env ?? process.env,
  };
}
