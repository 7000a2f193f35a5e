// A call one handler refuses at its start gets no end or error event from LangChain, for any handler: the others
// saw the start and must let the run go (evicted, reason "blocked") when they learn of the refusal, not hold it
// until its TTL.
import { captureConsole, type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockedRunSequence, blockedRunsSince, recordBlockedRun } from "../src/blocked-runs.js";
import {
  ChainwatchCallbackHandler,
  type EvictionReason,
  type ModelStartInput,
  RunBlockedError,
  type TrackedRun,
} from "../src/index.js";

class Blocker extends ChainwatchCallbackHandler {
  name = "blocker";
  constructor(raiseError = true) {
    super("blocker", {}, { raiseError });
  }
  protected override onModelStart(_run: TrackedRun<undefined>, input: ModelStartInput): void {
    const text = input.kind === "chat" ? String(input.messages[0]?.at(-1)?.content) : "";
    if (text.includes("forbidden")) throw new RunBlockedError("refused before the request");
  }
}

class AsyncBlocker extends Blocker {
  protected override async onModelStart(run: TrackedRun<undefined>, input: ModelStartInput): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    super.onModelStart(run, input);
  }
}

/** Writes one line per hook it is given. */
class Observer extends ChainwatchCallbackHandler {
  name = "observer";
  readonly lines: string[] = [];
  constructor() {
    super("observer", {});
  }
  protected override onModelStart(run: TrackedRun<undefined>): void {
    this.lines.push(`modelStart ${run.name}`);
  }
  protected override onModelEnd(): void {
    this.lines.push("modelEnd");
  }
  protected override onModelError(_run: TrackedRun<undefined>, error: unknown): void {
    this.lines.push(`modelError ${(error as Error).name}: ${(error as Error).message}`);
  }
  protected override onChainStart(run: TrackedRun<undefined>): void {
    this.lines.push(`chainStart ${run.runType}`);
  }
  protected override onChainEnd(run: TrackedRun<undefined>): void {
    this.lines.push(`chainEnd ${run.runType}`);
  }
  protected override onChainError(run: TrackedRun<undefined>): void {
    this.lines.push(`chainError ${run.runType}`);
  }
  protected override onRunEvicted(run: TrackedRun<undefined>, reason: EvictionReason): void {
    this.lines.push(`evicted ${run.runType} ${reason}`);
  }
}

/** LangChain's callback methods, called directly as LangChain would (the base class installs them per instance). */
const callbacks = (handler: object) =>
  handler as {
    handleChatModelStart: (...args: unknown[]) => unknown;
    handleLLMEnd: (...args: unknown[]) => unknown;
  };

const REFUSED = "evicted llm blocked";
const SERIALIZED = {
  lc: 1,
  type: "not_implemented",
  id: ["langchain", "chat_models", "openai", "ChatOpenAI"],
};

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI({ content: "fine" });
});
afterAll(() => server.close());

/** Runs `call`, capturing LangChain's line for the refusing handler; returns the caller's error, if any. */
async function refused(call: () => Promise<unknown>): Promise<{ error: unknown; printed: string[] }> {
  const output = captureConsole();
  let error: unknown;
  try {
    await call().catch((e: unknown) => {
      error = e;
    });
    await awaitAllCallbacks();
  } finally {
    output.restore();
  }
  return { error, printed: output.lines };
}

describe("a call refused at its start by another handler", () => {
  for (const [label, make] of [
    ["sync refusal", () => new Blocker()],
    ["async refusal", () => new AsyncBlocker()],
  ] as const) {
    for (const order of ["blocker first", "observer first"] as const) {
      it(`${label}, ${order}: the observer lets the run go at once (evicted, "blocked")`, async () => {
        const blocker = make();
        const observer = new Observer();
        server.clearRequests();
        const model = fakeChatOpenAI(server);
        const handlers = order === "blocker first" ? [blocker, observer] : [observer, blocker];
        await model.invoke("allowed", { callbacks: handlers });
        const { error, printed } = await refused(() => model.invoke("forbidden", { callbacks: handlers }));
        expect(error).toBeInstanceOf(RunBlockedError);
        expect(printed).toEqual([
          `error: Error in handler ${blocker.constructor.name}, handleLLMStart: RunBlockedError: refused before the request`,
        ]);
        expect(server.completions()).toHaveLength(1);
        expect(observer.activeRunCount).toBe(0);
        expect(observer.lines).toEqual([
          "modelStart ChatOpenAI",
          "modelEnd",
          "modelStart ChatOpenAI",
          REFUSED,
        ]);
      });
    }
  }

  it("inside a chain: the model run is evicted as blocked, then LangChain's own chain error", async () => {
    const observer = new Observer();
    const chain = ChatPromptTemplate.fromTemplate("{question}").pipe(fakeChatOpenAI(server));
    const { error } = await refused(() =>
      chain.invoke({ question: "forbidden" }, { callbacks: [new Blocker(), observer] }),
    );
    expect(error).toBeInstanceOf(RunBlockedError);
    expect(observer.lines).toEqual([
      "chainStart chain",
      "chainStart prompt",
      "chainEnd prompt",
      "modelStart ChatOpenAI",
      REFUSED,
      "chainError chain",
    ]);
    expect(observer.activeRunCount).toBe(0);
  });

  it("a start seen before the refusal leaves at the observer's next sweep; one seen after, at once", () => {
    const blocker = new Blocker();
    const early = new Observer();
    callbacks(early).handleChatModelStart(SERIALIZED, [[]], "run-early", undefined, {}, [], {});
    expect(() =>
      callbacks(blocker).handleChatModelStart(
        SERIALIZED,
        [[{ content: "forbidden" }]],
        "run-early",
        undefined,
        {},
        [],
        {},
      ),
    ).toThrow(RunBlockedError);
    expect(early.lines).toEqual(["modelStart ChatOpenAI"]);
    expect(early.activeRunCount).toBe(0); // reading the count sweeps
    expect(early.lines).toEqual(["modelStart ChatOpenAI", REFUSED]);

    // Not remembered for a late end: none can come, and the record of evicted runs is kept for those that can.
    callbacks(early).handleLLMEnd({ generations: [] }, "run-early");
    expect(early.lines).toEqual(["modelStart ChatOpenAI", REFUSED]);

    const late = new Observer();
    callbacks(late).handleChatModelStart(SERIALIZED, [[]], "run-early", undefined, {}, [], {});
    expect(late.lines).toEqual(["modelStart ChatOpenAI", REFUSED]);
    expect(late.activeRunCount).toBe(0);
  });

  it("a RunBlockedError from a handler without raiseError stops nothing: the observer gets the real end", async () => {
    const observer = new Observer();
    const { error, printed } = await refused(() =>
      fakeChatOpenAI(server).invoke("forbidden", { callbacks: [new Blocker(false), observer] }),
    );
    expect(error).toBeUndefined();
    expect(printed).toEqual([
      "warn: Error in handler Blocker, handleLLMStart: RunBlockedError: refused before the request",
    ]);
    expect(observer.lines).toEqual(["modelStart ChatOpenAI", "modelEnd"]);
    expect(observer.activeRunCount).toBe(0);
  });

  it("the record of refusals is bounded: a reader far behind skips what was overwritten", () => {
    const start = blockedRunSequence();
    for (let index = 0; index < 3_000; index++) recordBlockedRun(`bound-${index}`);
    const seen: string[] = [];
    const cursor = blockedRunsSince(start, (runId) => seen.push(runId));
    expect(cursor).toBe(start + 3_000);
    expect(seen).toHaveLength(1_024);
    expect(seen[0]).toBe("bound-1976");
    expect(seen.at(-1)).toBe("bound-2999");
    expect(blockedRunsSince(cursor, () => seen.push("again"))).toBe(cursor);
    expect(seen).toHaveLength(1_024);
  });
});
