import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { callbacks, captureLogger } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

function setup(content: "truncate" | "full" = "truncate") {
  const capture = captureLogger("trace");
  const failures: unknown[] = [];
  const handler = new PinoCallbackHandler({
    logger: capture.logger,
    content,
    onHandlerError: (error) => failures.push(error),
  });
  return { ...capture, handler, failures };
}

describe("bad input is logged safely, never thrown", () => {
  it("a 10 MB prompt and its 10 MB echo are cut at maxLength with the original length recorded", async () => {
    const { handler, events, lines, failures } = setup();
    const prompt = "x".repeat(10 * 1024 * 1024);
    server.setScript(undefined);
    await fakeChatOpenAI(server).invoke(prompt, { callbacks: [handler] });
    await awaitAllCallbacks();
    const messages = (events("llm.start")[0]?.input ?? []) as { content: string }[];
    const input = messages[0]?.content ?? "";
    expect(input.startsWith("x".repeat(2048))).toBe(true);
    expect(input).toContain(`…[+${prompt.length - 2048} chars]`);
    const [end] = events("llm.end");
    expect(end?.output_length).toBe(prompt.length + "You said: ".length);
    expect(String(end?.output).length).toBeLessThan(2100);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(8_000);
    expect(failures).toEqual([]);
  });

  it("base64 images in multimodal content are summarised, not copied", async () => {
    const { handler, events, lines, failures } = setup("full");
    const image = `data:image/png;base64,${"iVBORw0KGgo".repeat(50_000)}`;
    const message = new HumanMessage({
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image_url", image_url: { url: image } },
      ],
    });
    await fakeChatOpenAI(server).invoke([message], { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(events("llm.start")[0]?.input).toEqual([
      {
        role: "human",
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image_url", data_length: image.length },
        ],
      },
    ]);
    expect(lines.join("")).not.toContain("iVBORw0KGgoiVBORw0KGgo");
    expect(failures).toEqual([]);
  });

  it("a bare base64 payload (an image a tool returned) is summarised even in full mode; prose is not", () => {
    const { handler, events, lines } = setup("full");
    const payload = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 37) % 256)).toString("base64");
    const prose = "word ".repeat(1_000);
    callbacks(handler).handleToolStart({}, "", "run-1");
    callbacks(handler).handleToolStart({}, "", "run-2");
    callbacks(handler).handleToolEnd(payload, "run-1");
    callbacks(handler).handleToolEnd({ screenshot: payload.replaceAll("+", "-"), caption: prose }, "run-2");
    expect(events("tool.end")[0]?.output).toBe(`[base64 ${payload.length} chars]`);
    expect(events("tool.end")[1]?.output).toEqual({
      screenshot: `[base64 ${payload.length} chars]`,
      caption: prose,
    });
    expect(lines.join("")).not.toContain(payload.slice(0, 200));
  });

  it("no usage at all: llm.end without a usage field", async () => {
    server.setScript({ content: "no usage here", usage: null });
    const { handler, events, failures } = setup();
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    const [end] = events("llm.end");
    expect(end?.output).toBe("no usage here");
    expect(end).not.toHaveProperty("usage");
    expect(end).not.toHaveProperty("tokens_per_second");
    expect(failures).toEqual([]);
  });

  it("circular objects, BigInt, Buffers, typed arrays, functions, symbols, NaN, dates, maps and sets", () => {
    const { handler, events, failures } = setup("full");
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    callbacks(handler).handleChainStart(
      {},
      {
        circular,
        big: 12345678901234567890n,
        buffer: Buffer.alloc(4096),
        floats: new Float32Array(16),
        fn: function namedFn() {},
        symbol: Symbol("s"),
        nan: Number.NaN,
        date: new Date(0),
        map: new Map([["k", 1]]),
        set: new Set([1, 2]),
        shared: [circular, circular],
      },
      "run-1",
    );
    expect(events("chain.start")[0]?.input).toEqual({
      circular: { name: "loop", self: "[Circular]" },
      big: "12345678901234567890n",
      buffer: "[Buffer 4096 bytes]",
      floats: "[Float32Array 64 bytes]",
      fn: "[Function namedFn]",
      symbol: "Symbol(s)",
      nan: "NaN",
      date: "1970-01-01T00:00:00.000Z",
      map: { k: 1 },
      set: [1, 2],
      shared: [
        { name: "loop", self: "[Circular]" },
        { name: "loop", self: "[Circular]" },
      ],
    });
    expect(failures).toEqual([]);
  });

  it("huge arrays, deep nesting, throwing getters and hostile proxies", () => {
    const { handler, events, failures } = setup();
    let deep: Record<string, unknown> = { leaf: true };
    for (let index = 0; index < 1_000; index++) deep = { next: deep };
    const getter = Object.defineProperty({ ok: 1 }, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter exploded");
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("proxy exploded");
        },
      },
    );
    callbacks(handler).handleChainStart(
      {},
      { list: Array.from({ length: 100_000 }, (_, i) => i), deep, getter },
      "run-2",
    );
    callbacks(handler).handleChainEnd(proxy, "run-2");
    const input = events("chain.start")[0]?.input as Record<string, unknown>;
    const list = input.list as unknown[];
    expect(list).toHaveLength(101);
    expect(list.at(-1)).toBe("…[+99900 items]");
    expect(JSON.stringify(input.deep)).toContain('"[Object]"');
    expect(input.getter).toEqual({ ok: 1, boom: "[Unreadable]" });
    expect(events("chain.end")[0]?.output).toBe("[Unrenderable]");
    expect(failures).toEqual([]);
  });

  it("garbage where LangChain objects belong", () => {
    const { handler, events, failures } = setup();
    callbacks(handler).handleChatModelStart(
      null,
      undefined as never,
      "run-3",
      undefined,
      "params" as never,
      42 as never,
    );
    callbacks(handler).handleLLMNewToken(undefined as never, undefined, "run-3", undefined, undefined, {
      chunk: 7,
    });
    callbacks(handler).handleLLMEnd(
      { generations: "not an array", llmOutput: { tokenUsage: { promptTokens: -1 } } },
      "run-3",
    );
    // A run never seen start is not logged: its trace, sampling and filters are unknown.
    callbacks(handler).handleLLMEnd(undefined, "never-started");
    callbacks(handler).handleChatModelStart({}, [[]], "run-4", undefined, null as never, null as never);
    callbacks(handler).handleLLMError("a string, not an Error", "run-4");
    callbacks(handler).handleToolStart(undefined, undefined as never, "run-5", undefined, 7 as never);
    callbacks(handler).handleToolEnd(undefined, "run-5");
    expect(events("llm.start")).toHaveLength(2);
    expect(events("llm.end")).toHaveLength(1);
    expect(events("llm.end")[0]?.run_id).toBe("run-3");
    expect(events("llm.error")[0]?.err).toMatchObject({ message: "a string, not an Error" });
    expect(events("tool.end")).toHaveLength(1);
    expect(failures).toEqual([]);
  });
});
