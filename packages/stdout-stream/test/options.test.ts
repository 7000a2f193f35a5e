import { describe, expect, it } from "vitest";
import { type OutputStream, StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { resolveOptions } from "../src/options.js";
import { CaptureStream } from "./helpers.js";

describe("options", () => {
  it("defaults: stdout, text, all, exclusive, no reasoning, no tool lines, auto colour, errors to stderr", () => {
    expect(resolveOptions({})).toMatchObject({
      stream: process.stdout,
      format: "text",
      show: "all",
      concurrency: "exclusive",
      ownerIdleMs: 5_000,
      reasoning: false,
      toolCalls: false,
      color: "auto",
      footer: undefined,
      errorOutput: process.stderr,
      maxQueuedChars: 1_048_576,
      env: process.env,
    });
  });

  it("is named stdout_stream and prefers streaming without the stream-events flag", () => {
    const handler = new StdoutStreamCallbackHandler({ stream: new CaptureStream() });
    expect(handler.name).toBe("stdout_stream");
    expect(handler.lc_prefer_streaming).toBe(true);
    expect("lc_prefer_chat_model_stream_events" in handler).toBe(false);
  });

  it("copy() builds a twin from the same options", () => {
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, format: "ndjson" });
    const copy = handler.copy() as StdoutStreamCallbackHandler;
    expect(copy).toBeInstanceOf(StdoutStreamCallbackHandler);
    expect(copy).not.toBe(handler);
    expect((copy as unknown as { config: { stream: unknown; format: string } }).config).toMatchObject({
      stream,
      format: "ndjson",
    });
  });

  it("awaitHandlers: true makes LangChain await the handler inside the run", () => {
    expect(new StdoutStreamCallbackHandler({ stream: new CaptureStream() }).awaitHandlers).toBe(false);
    expect(
      new StdoutStreamCallbackHandler({ stream: new CaptureStream(), awaitHandlers: true }).awaitHandlers,
    ).toBe(true);
  });

  it.each<[string, StdoutStreamOptions, RegExp]>([
    ["format", { format: "html" as never }, /format must be one of "text", "sse", "ndjson", got "html"/],
    ["show", { show: "some" as never }, /show must be one of "all", "final", got "some"/],
    ["concurrency", { concurrency: "fifo" as never }, /concurrency must be one of .* got "fifo"/],
    ["color", { color: "always" as never }, /color must be "auto", true or false, got "always"/],
    ["toolCalls", { toolCalls: "yes" as never }, /toolCalls must be a boolean, got "yes"/],
    ["stream", { stream: {} as OutputStream }, /stream must be a writable stream/],
    ["reasoning", { reasoning: "stderr" as never }, /reasoning must be a writable stream/],
    ["footer", { footer: 1 as never }, /footer must be a writable stream/],
    [
      "errorOutput",
      { errorOutput: true as never },
      /errorOutput must be a writable stream or false, got true/,
    ],
    ["ownerIdleMs", { ownerIdleMs: 0 }, /ownerIdleMs must be a positive finite number, got 0/],
    [
      "maxQueuedChars",
      { maxQueuedChars: Number.NaN },
      /maxQueuedChars must be a positive finite number, got NaN/,
    ],
  ])("rejects a bad %s at construction, naming the value", (_name, options, message) => {
    expect(() => new StdoutStreamCallbackHandler(options)).toThrow(message);
  });
});

describe("unknown option keys (issue 13)", () => {
  it("a misspelt key throws a TypeError naming it, suggesting the closest and listing the rest", () => {
    expect(() => new StdoutStreamCallbackHandler({ shw: "final" } as never)).toThrow(TypeError);
    expect(() => new StdoutStreamCallbackHandler({ shw: "final" } as never)).toThrow(
      /StdoutStreamCallbackHandler: unknown option "shw"\. Did you mean "show"\? Known options: .*concurrency/,
    );
  });

  it("nested keys are checked too", () => {
    expect(() => new StdoutStreamCallbackHandler({ progress: { tools: false } as never })).toThrow(
      /unknown option "progress\.tools"\. Did you mean "progress\.tool"\?/,
    );
  });

  it("LangChain's own handler options stay accepted", () => {
    const handler = new StdoutStreamCallbackHandler({
      stream: new CaptureStream(),
      awaitHandlers: true,
      raiseError: false,
      ignoreCustomEvent: true,
      runs: { ttlMs: 1_000 },
    } as never);
    expect(handler.ignoreCustomEvent).toBe(true);
  });
});

describe("recordedContent: what the handler prints of a run's content (read by withRedaction)", () => {
  it("answers and tool results; a tool's input only with progress.toolInput; never chain content", () => {
    const stream = new CaptureStream();
    expect(new StdoutStreamCallbackHandler({ stream }).recordedContent).toEqual({
      content: "full",
      inputs: false,
      chains: false,
    });
    expect(
      new StdoutStreamCallbackHandler({ stream, format: "ndjson", progress: { toolInput: true } })
        .recordedContent,
    ).toEqual({ content: "full", inputs: true, chains: false });
  });
});
