import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, failingStream, nullStream } from "./helpers.js";

describeHandlerConformance("stdout_stream", (context) => {
  return new StdoutStreamCallbackHandler({
    stream: context.failingSink ? failingStream() : new CaptureStream(),
    errorOutput: nullStream(),
    runs: context.runs,
    onHandlerError: context.onHandlerError,
  });
});

describeHandlerConformance("stdout_stream (sse, final, tool calls, reasoning, footer)", (context) => {
  return new StdoutStreamCallbackHandler({
    stream: context.failingSink ? failingStream() : new CaptureStream(),
    format: "sse",
    show: "final",
    toolCalls: true,
    reasoning: true,
    footer: nullStream(),
    errorOutput: nullStream(),
    runs: context.runs,
    onHandlerError: context.onHandlerError,
  });
});

describeHandlerConformance("stdout_stream (prefix)", (context) => {
  return new StdoutStreamCallbackHandler({
    stream: context.failingSink ? failingStream() : new CaptureStream(),
    concurrency: "prefix",
    toolCalls: true,
    errorOutput: nullStream(),
    runs: context.runs,
    onHandlerError: context.onHandlerError,
  });
});
