import type { ConcurrencyMode, OutputStream, ShowMode, StdoutStreamOptions, StreamFormat } from "./types.js";

/** Options after defaults and validation. */
export interface ResolvedOptions {
  stream: OutputStream;
  format: StreamFormat;
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

/** Applies defaults and rejects bad values loudly, naming the option and the value. */
export function resolveOptions(options: StdoutStreamOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null)
    fail(`options must be an object, got ${String(options)}`);
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
  return {
    stream: options.stream === undefined ? process.stdout : stream("stream", options.stream),
    format: oneOf("format", options.format, FORMATS, "text"),
    show: oneOf("show", options.show, SHOW_MODES, "all"),
    concurrency: oneOf("concurrency", options.concurrency, CONCURRENCY_MODES, "exclusive"),
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
