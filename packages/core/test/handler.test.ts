import { captureConsole, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { LLMResult } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import {
  ChainwatchCallbackHandler,
  type ChainwatchHandlerOptions,
  chainRunType,
  type HandlerErrorContext,
  RunBlockedError,
  type TrackedRun,
} from "../src/index.js";

interface LineOptions extends ChainwatchHandlerOptions {
  write: (line: string) => void;
}

/** A minimal handler on the core base class: one line per finished LLM run. */
class LineHandler extends ChainwatchCallbackHandler<{ tokens: number }> {
  name = "line_handler";
  readonly evicted: string[] = [];
  private readonly write: (line: string) => void;

  constructor(options: LineOptions) {
    super("line_handler", options);
    this.write = options.write;
  }

  override handleChatModelStart(
    llm: unknown,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ) {
    this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, { tokens: 0 });
  }

  override handleLLMNewToken(token: string, _idx: unknown, runId: string) {
    const run = this.runs.get(runId);
    if (run && token !== "") run.state.tokens++;
  }

  override handleLLMEnd(_output: LLMResult, runId: string) {
    const run = this.runs.end(runId);
    this.write(`${run?.model} ${run?.provider} tokens=${run?.state.tokens}`);
  }

  override handleLLMError(_error: unknown, runId: string) {
    this.runs.end(runId);
  }

  protected override onRunEvicted(run: TrackedRun<{ tokens: number }>) {
    this.evicted.push(run.runId);
  }
}

describeHandlerConformance("ChainwatchCallbackHandler subclass", (context) => {
  return new LineHandler({
    runs: context.runs,
    onHandlerError: context.onHandlerError,
    write: () => {
      if (context.failingSink) throw new Error("sink down");
    },
  });
});

describe("ChainwatchCallbackHandler", () => {
  it("records the model and provider from the start event and counts streamed tokens", async () => {
    const server = await startFakeOpenAI({ content: "one two three" });
    try {
      const lines: string[] = [];
      const handler = new LineHandler({ write: (line) => lines.push(line) });
      await fakeChatOpenAI(server)
        .stream("hi", { callbacks: [handler] })
        .then(async (stream) => {
          for await (const _ of stream);
        });
      await awaitAllCallbacks();
      expect(lines).toEqual(["gpt-4o-mini openai tokens=3"]);
    } finally {
      await server.close();
    }
  });

  it("reports a failing callback once per method, however many tokens fail", async () => {
    const server = await startFakeOpenAI({ content: "a b c d e f g h" });
    try {
      const reports: HandlerErrorContext[] = [];
      class TokenFails extends LineHandler {
        override handleLLMNewToken(): void {
          throw new Error("token path broke");
        }
      }
      const handler = new TokenFails({
        write: () => {},
        onHandlerError: (_e, context) => reports.push(context),
      });
      const stream = await fakeChatOpenAI(server).stream("hi", { callbacks: [handler] });
      let text = "";
      for await (const chunk of stream) text += String(chunk.content);
      await awaitAllCallbacks();
      expect(text).toBe("a b c d e f g h");
      expect(reports).toEqual([{ handler: "line_handler", method: "handleLLMNewToken" }]);
      expect(handler.handlerErrorCount).toBeGreaterThanOrEqual(8);
    } finally {
      await server.close();
    }
  });

  it("lets a RunBlockedError through when the handler asked to block", async () => {
    const server = await startFakeOpenAI();
    try {
      class Blocker extends ChainwatchCallbackHandler {
        name = "blocker";
        constructor() {
          super("blocker", {}, { raiseError: true });
        }
        override handleChatModelStart() {
          throw new RunBlockedError("stopped before the request");
        }
      }
      // LangChain prints its own line for a handler that refuses a call: captured and checked, not printed.
      const output = captureConsole();
      try {
        await expect(fakeChatOpenAI(server).invoke("hi", { callbacks: [new Blocker()] })).rejects.toThrow(
          "stopped before the request",
        );
      } finally {
        output.restore();
      }
      expect(output.text()).toMatch(/Error in handler Blocker, handleLLMStart: RunBlockedError/);
      expect(server.completions()).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it("chainRunType reads the runtime 7th argument of handleChainStart", () => {
    expect(chainRunType("prompt")).toBe("prompt");
    for (const other of [undefined, "chain", "", 7, null]) expect(chainRunType(other)).toBe("chain");
  });

  it("copy() builds a twin from the same options", () => {
    const handler = new LineHandler({ write: () => {} });
    const twin = handler.copy();
    expect(twin).toBeInstanceOf(LineHandler);
    expect(twin).not.toBe(handler);
    expect(twin.name).toBe("line_handler");
  });
});
