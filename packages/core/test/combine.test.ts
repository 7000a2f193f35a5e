import {
  captureConsole,
  EventRecorder,
  type FakeOpenAI,
  fakeChatOpenAI,
  promptChain,
  retrievalChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { ConsoleCallbackHandler } from "@langchain/core/tracers/console";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChainwatchCallbackHandler,
  type ChainwatchHandlerOptions,
  CombinedCallbackHandler,
  combineCallbacks,
} from "../src/index.js";

/** A chainwatch handler that counts tokens per run and writes one line per finished call. */
class CountingHandler extends ChainwatchCallbackHandler<{ tokens: number }> {
  constructor(
    options: ChainwatchHandlerOptions,
    private readonly write: (line: string) => void,
    override readonly name = "counting_handler",
  ) {
    super(name, options);
  }
  override handleChatModelStart(llm: unknown, _messages: unknown, runId: string, parentRunId?: string) {
    this.trackLLMStart(llm, runId, parentRunId, undefined, undefined, undefined, undefined, { tokens: 0 });
  }
  override handleLLMNewToken(_token: string, _idx: unknown, runId: string) {
    const run = this.runs.get(runId);
    if (run) run.state.tokens++;
  }
  override handleLLMEnd(_output: unknown, runId: string) {
    const run = this.runs.end(runId);
    this.write(`tokens=${run?.state.tokens}`);
  }
  override handleLLMError(_error: unknown, runId: string) {
    this.runs.end(runId);
  }
}

describeHandlerConformance("combineCallbacks(two chainwatch handlers)", (context) => {
  const write = () => {
    if (context.failingSink) throw new Error("sink down");
  };
  const options = { runs: context.runs, onHandlerError: context.onHandlerError };
  return combineCallbacks([
    new CountingHandler(options, write, "first_counter"),
    new CountingHandler(options, write, "second_counter"),
  ]);
});

/** What a recorder saw, comparable across recorders: event, run ids and the very argument objects. */
const seen = (recorder: EventRecorder) =>
  recorder.events.map(({ event, runId, parentRunId, args }) => [event, runId, parentRunId, ...args]);

class Thrower extends BaseCallbackHandler {
  name = "thrower";
  constructor(
    private readonly failure: "sync" | "async",
    raiseError = false,
  ) {
    super({ raiseError });
  }
  override handleChatModelStart(): void | Promise<void> {
    const error = new Error(`refused (${this.failure})`);
    if (this.failure === "sync") throw error;
    return Promise.reject(error);
  }
}

describe("combineCallbacks", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });

  it("hands every member exactly what LangChain hands a handler attached on its own", async () => {
    const alone = new EventRecorder({ _awaitHandler: true });
    const first = new EventRecorder({ _awaitHandler: true });
    const second = new EventRecorder({ _awaitHandler: true });
    const combined = combineCallbacks([first, second]);
    const callbacks = [alone, combined];
    const model = fakeChatOpenAI(server);

    server.setScript({ content: "A prompt chain's answer." });
    const answer = await promptChain(model).invoke({ question: "why?" }, { callbacks });
    server.setScript({ content: "An answer from documents." });
    await retrievalChain(model).invoke({ question: "what is in the docs?" }, { callbacks });
    server.setScript(weatherAgentScript("Oslo"));
    await weatherAgent(model, callbacks).invoke({
      messages: [{ role: "user", content: "weather in Oslo?" }],
    });
    await awaitAllCallbacks();

    const kinds = new Set(alone.events.map((recorded) => recorded.event));
    for (const kind of ["handleChainStart", "handleChatModelStart", "handleRetrieverEnd", "handleToolEnd"]) {
      expect(kinds).toContain(kind);
    }
    expect(seen(first)).toEqual(seen(alone));
    expect(seen(second)).toEqual(seen(alone));
    // The very objects, not copies: a combined member observes the run as a lone handler does.
    expect(first.events[0]?.args[1]).toBe(alone.events[0]?.args[1]);
    expect(answer).toBe("A prompt chain's answer.");
  });

  it("honours each member's ignore flags and gives a member without handleChatModelStart the prompt as text", async () => {
    const all = new EventRecorder({ _awaitHandler: true });
    const noChains = new EventRecorder({ _awaitHandler: true, ignoreChain: true });
    const prompts: unknown[] = [];
    const textOnly = BaseCallbackHandler.fromMethods({
      handleLLMStart: (_llm, input) => {
        prompts.push(input);
      },
    });
    server.setScript({ content: "ok" });
    await promptChain(fakeChatOpenAI(server)).invoke(
      { question: "why?" },
      { callbacks: [combineCallbacks([all, noChains, textOnly])] },
    );
    const chainEvents = all.events.filter((recorded) => recorded.event.startsWith("handleChain"));
    expect(chainEvents.length).toBeGreaterThan(0);
    expect(seen(noChains)).toEqual(seen(all).filter(([event]) => !String(event).startsWith("handleChain")));
    expect(prompts).toEqual([[expect.stringContaining("Human: why?")]]);
  });

  it("streams a plain invoke when a member prefers streaming, and every member gets the tokens", async () => {
    const printer = new EventRecorder({ _awaitHandler: true });
    Object.assign(printer, { lc_prefer_streaming: true });
    const counter = new EventRecorder({ _awaitHandler: true });
    const combined = combineCallbacks([counter, printer]);
    expect((combined as unknown as { lc_prefer_streaming?: boolean }).lc_prefer_streaming).toBe(true);
    server.setScript({ content: "one two three four" });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [combined] });
    expect(counter.tokens().join("")).toBe("one two three four");
    expect(printer.tokens()).toEqual(counter.tokens());
  });

  it.each(["sync", "async"] as const)(
    "a member that raises (%s) blocks the call after the others had the event; one that does not only warns",
    async (failure) => {
      const after = new EventRecorder({ _awaitHandler: true });
      const combined = combineCallbacks([new Thrower(failure, true), after]);
      expect(combined.raiseError).toBe(true);
      const before = server.requests.length;
      const output = captureConsole();
      try {
        await expect(fakeChatOpenAI(server).invoke("hi", { callbacks: [combined] })).rejects.toThrow(
          `refused (${failure})`,
        );
      } finally {
        output.restore();
      }
      expect(server.requests.length).toBe(before);
      expect(after.of("handleChatModelStart")).toHaveLength(1);
      expect(output.lines).toEqual([
        `error: Error in handler CombinedCallbackHandler, handleLLMStart: Error: refused (${failure})`,
      ]);

      const recorder = new EventRecorder({ _awaitHandler: true });
      const quiet = combineCallbacks([new Thrower(failure, false), recorder]);
      const warned = captureConsole();
      server.setScript({ content: "still answered" });
      try {
        await expect(fakeChatOpenAI(server).invoke("hi", { callbacks: [quiet] })).resolves.toMatchObject({
          content: "still answered",
        });
        await awaitAllCallbacks();
      } finally {
        warned.restore();
      }
      expect(recorder.of("handleLLMEnd")).toHaveLength(1);
      expect(warned.lines).toEqual([
        `warn: Error in handler Thrower, handleChatModelStart: Error: refused (${failure})`,
      ]);
    },
  );

  it("keeps a member LangChain would not await on LangChain's queue when another member must be awaited", async () => {
    const blocking = new EventRecorder({ raiseError: true });
    const background = new EventRecorder({ _awaitHandler: false });
    background.awaitHandlers = false;
    const combined = combineCallbacks([blocking, background]);
    expect(combined.awaitHandlers).toBe(true);
    server.setScript({ content: "ok" });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [combined] });
    expect(blocking.of("handleLLMEnd")).toHaveLength(1);
    await awaitAllCallbacks();
    expect(seen(background)).toEqual(seen(blocking));
  });

  it("refuses what it cannot combine, naming it", () => {
    expect(() => combineCallbacks([])).toThrow(/non-empty array of callback handlers/);
    expect(() => combineCallbacks([new EventRecorder(), {} as BaseCallbackHandler])).toThrow(
      /handlers\[1\] is not a callback handler/,
    );
    expect(() => combineCallbacks([new ConsoleCallbackHandler()])).toThrow(
      /handlers\[0\] \(console_callback_handler\) is a tracer/,
    );
  });

  it("sums its members' active runs, and copies into a group of copies", async () => {
    const options = {};
    const combined = combineCallbacks([
      new CountingHandler(options, () => {}),
      new EventRecorder(),
      new CountingHandler(options, () => {}),
    ]);
    expect(combined.activeRunCount).toBe(0);
    await combined.handleChatModelStart?.({ lc: 1, type: "not_implemented", id: ["x"] }, [[]], "run-1");
    expect(combined.activeRunCount).toBe(2);
    const copy = combined.copy();
    expect(copy).toBeInstanceOf(CombinedCallbackHandler);
    expect((copy as CombinedCallbackHandler).handlers).toHaveLength(3);
    expect((copy as CombinedCallbackHandler).handlers[0]).not.toBe(combined.handlers[0]);
  });
});
