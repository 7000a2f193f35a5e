import {
  type FakeOpenAI,
  fakeChatOpenAI,
  promptChain,
  retrievalChain,
  startFakeOpenAI,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler, type PinoCallbackHandlerOptions } from "../src/index.js";
import { captureLogger } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

async function runChains(options: PinoCallbackHandlerOptions, count: number) {
  const capture = captureLogger("trace");
  const handler = new PinoCallbackHandler({ logger: capture.logger, ...options });
  const chain = promptChain(fakeChatOpenAI(server));
  for (let index = 0; index < count; index++) {
    await chain.invoke({ question: `q${index}` }, { callbacks: [handler] });
  }
  await awaitAllCallbacks();
  return { ...capture, handler };
}

describe("sampling", () => {
  it("decides once per trace: every trace is logged whole (8 records) or not at all", async () => {
    const { records, handler } = await runChains({ sample: 0.5 }, 40);
    const byTrace = new Map<unknown, number>();
    for (const record of records())
      byTrace.set(record.root_run_id, (byTrace.get(record.root_run_id) ?? 0) + 1);
    expect([...byTrace.values()].every((count) => count === 8)).toBe(true);
    // 40 traces at 0.5: both outcomes happen (the chance of 0 or 40 logged is 2 in 10^12).
    expect(byTrace.size).toBeGreaterThan(0);
    expect(byTrace.size).toBeLessThan(40);
    expect(handler.activeRunCount).toBe(0);
  });

  it("two handlers with the same rate agree on which traces they log", async () => {
    const first = captureLogger("info");
    const second = captureLogger("info");
    const callbacks = [
      new PinoCallbackHandler({ logger: first.logger, sample: 0.3 }),
      new PinoCallbackHandler({ logger: second.logger, sample: 0.3 }),
    ];
    const chain = promptChain(fakeChatOpenAI(server));
    for (let index = 0; index < 20; index++) await chain.invoke({ question: `q${index}` }, { callbacks });
    await awaitAllCallbacks();
    expect(first.records().map((record) => record.run_id)).toEqual(
      second.records().map((record) => record.run_id),
    );
  });

  it("sample 0 logs nothing; sample 1 logs every trace", async () => {
    expect((await runChains({ sample: 0 }, 5)).lines).toEqual([]);
    expect((await runChains({ sample: 1 }, 5)).lines).toHaveLength(40);
  });
});

describe("filters", () => {
  it("by run type: only LLM runs, yet depth and root still count the chains around them", async () => {
    const { records } = await runChains({ filter: { runTypes: ["llm"] } }, 1);
    expect(records().map((record) => record.msg)).toEqual(["llm.start", "llm.end"]);
    expect(records()[0]).toMatchObject({ depth: 1, parent_run_id: expect.any(String) });
  });

  it("by name (string or RegExp) and by tag", async () => {
    const byName = await runChains({ filter: { ignoreNames: ["ChatPromptTemplate", /Parser$/] } }, 1);
    expect(byName.records().map((record) => record.run_name)).toEqual([
      "RunnableSequence",
      "ChatOpenAI",
      "ChatOpenAI",
      "RunnableSequence",
    ]);
    const byTag = await runChains({ filter: { ignoreTags: ["seq:step:2"] } }, 1);
    expect(byTag.records().some((record) => record.run_type === "llm")).toBe(false);
    expect(byTag.records()).toHaveLength(6);
  });

  it("the retriever can be filtered out of a retrieval chain", async () => {
    const capture = captureLogger("trace");
    const handler = new PinoCallbackHandler({
      logger: capture.logger,
      filter: { runTypes: ["chain", "llm", "prompt", "tool"] },
    });
    await retrievalChain(fakeChatOpenAI(server)).invoke({ question: "q" }, { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(capture.records().some((record) => String(record.msg).startsWith("retriever."))).toBe(false);
    expect(capture.events("llm.end")).toHaveLength(1);
  });
});
