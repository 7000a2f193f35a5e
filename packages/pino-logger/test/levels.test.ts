import { type FakeOpenAI, fakeChatOpenAI, promptChain, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { callbacks, captureLogger, drain } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

/** An input that counts every property read, `toJSON` and iteration: any serialisation touches it. */
function watchedInput() {
  let reads = 0;
  const target = { question: "watched", nested: { deep: "value" } };
  const proxy = new Proxy(target, {
    get(object, key, receiver) {
      reads++;
      return Reflect.get(object, key, receiver);
    },
    ownKeys(object) {
      reads++;
      return Reflect.ownKeys(object);
    },
  });
  return { proxy, reads: () => reads };
}

describe("levels", () => {
  it("defaults: start and first token at debug, end at info, error at error, tokens off", async () => {
    server.setScript({ content: "a b c" });
    const { logger, records } = captureLogger("trace");
    const handler = new PinoCallbackHandler({ logger });
    await drain(fakeChatOpenAI(server).stream("x", { callbacks: [handler] }));
    await awaitAllCallbacks();
    expect(records().map((record) => [record.msg, record.level])).toEqual([
      ["llm.start", 20],
      ["llm.first_token", 20],
      ["llm.end", 30],
    ]);
  });

  it("at the logger's info level only end and error records are written", async () => {
    server.setScript(undefined);
    const { logger, records } = captureLogger("info");
    const handler = new PinoCallbackHandler({ logger });
    await promptChain(fakeChatOpenAI(server)).invoke({ question: "q" }, { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(new Set(records().map((record) => record.msg))).toEqual(new Set(["chain.end", "llm.end"]));
  });

  it("each kind has its own level, and any kind can be turned off", async () => {
    server.setScript({ content: "a b" });
    const { logger, records } = captureLogger("trace");
    const handler = new PinoCallbackHandler({
      logger,
      levels: { start: "warn", end: false, firstToken: false, token: "info" },
    });
    await drain(fakeChatOpenAI(server).stream("x", { callbacks: [handler] }));
    await awaitAllCallbacks();
    const seen = records().map((record) => [record.msg, record.level]);
    expect(seen[0]).toEqual(["llm.start", 40]);
    expect(seen.slice(1).every(([msg, level]) => msg === "llm.token" && level === 30)).toBe(true);
    expect(seen.length).toBeGreaterThan(2);
  });

  it("a disabled level does no serialisation work: inputs, outputs and metadata are never read", async () => {
    const { logger, lines } = captureLogger("error");
    const masked: unknown[] = [];
    const handler = new PinoCallbackHandler({
      logger,
      content: "full",
      metadataKeys: ["question"],
      mask: (value) => {
        masked.push(value);
        return value;
      },
    });
    const inputs = watchedInput();
    const outputs = watchedInput();
    const metadata = watchedInput();
    callbacks(handler).handleChainStart({}, inputs.proxy, "run-1", undefined, [], metadata.proxy);
    callbacks(handler).handleChainEnd(outputs.proxy, "run-1");
    expect(lines).toEqual([]);
    expect(masked).toEqual([]);
    expect(outputs.reads()).toBe(0);
    expect(inputs.reads()).toBe(0);
    // The run tracker keeps the metadata reference; only LangGraph's two keys are read, when a record is built.
    expect(metadata.reads()).toBe(0);
  });

  it("follows the logger's level at run time, through a child: the user's logger is never reconfigured", async () => {
    server.setScript(undefined);
    const { logger, records } = captureLogger("warn", { serializers: { err: () => "user serializer" } });
    const handler = new PinoCallbackHandler({ logger });
    await fakeChatOpenAI(server).invoke("one", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(records()).toEqual([]);
    logger.level = "info";
    await fakeChatOpenAI(server).invoke("two", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(records().map((record) => record.msg)).toEqual(["llm.end"]);
    expect(logger.level).toBe("info");
    logger.error({ err: new Error("mine") }, "the application's own record");
    expect(records().at(-1)?.err).toBe("user serializer");
  });
});
