import { fakeChatOpenAI, manualClock } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { channelFor } from "../src/channel.js";
import { type OutputStream, StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

async function breakOutAfterTwoChunks(handler: StdoutStreamCallbackHandler): Promise<void> {
  server().setScript({ content: "one two three four five six", chunkDelayMs: 5 });
  let seen = 0;
  for await (const chunk of await fakeChatOpenAI(server()).stream("abandon", { callbacks: [handler] })) {
    if (String(chunk.content).length > 0 && ++seen === 2) break;
  }
  await awaitAllCallbacks();
}

describe("run lifecycle", () => {
  it("an abandoned stream is evicted past its TTL: its line is closed and its claim released", async () => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now, ttlMs: 60_000 } });
    await breakOutAfterTwoChunks(handler);
    const printed = stream.text;
    // Broken out after two chunks; one more token callback may already be under way (read-ahead).
    expect(["one", "one two"]).toContain(printed);
    expect(channelFor(stream, 1).claimedCount).toBe(1);
    clock.advance(60_001);
    expect(handler.activeRunCount).toBe(0);
    expect(stream.text).toBe(`${printed}\n`);
    expect(channelFor(stream, 1).claimedCount).toBe(0);
  });

  it("after the owning instance evicts a run, a second instance on the stream can print new runs", async () => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const first = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now, ttlMs: 60_000 } });
    const second = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now, ttlMs: 60_000 } });
    await breakOutAfterTwoChunks(first);
    const printed = stream.text;
    clock.advance(60_001);
    expect(first.activeRunCount).toBe(0);
    server().setScript({ content: "Fresh answer." });
    await fakeChatOpenAI(server(), { callbacks: [first] }).invoke("next", { callbacks: [second] });
    await awaitAllCallbacks();
    expect(["one", "one two"]).toContain(printed);
    expect(stream.text).toBe(`${printed}\nFresh answer.\n`);
  });

  it("a stream whose write() throws is reported once as `write`; the run and its output are unaffected", async () => {
    const throwing = {
      write: () => {
        throw new Error("write exploded");
      },
      on: () => throwing,
      once: () => throwing,
      removeListener: () => throwing,
    } as unknown as OutputStream;
    const failures: { method: string; message: string }[] = [];
    const handler = new StdoutStreamCallbackHandler({
      stream: throwing,
      onHandlerError: (error, context) => failures.push({ method: context.method, message: String(error) }),
    });
    server().setScript({ content: "Still answered." });
    for (let i = 0; i < 3; i++) {
      const message = await fakeChatOpenAI(server()).invoke("x", { callbacks: [handler] });
      expect(message.content).toBe("Still answered.");
    }
    await awaitAllCallbacks();
    expect(failures).toEqual([{ method: "write", message: "Error: write exploded" }]);
    expect(handler.handlerErrorCount).toBe(1);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a response closed by its client stops output; later runs drop it silently", async () => {
    const stream = new CaptureStream();
    const failures: string[] = [];
    const handler = new StdoutStreamCallbackHandler({
      stream,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    server().setScript({ content: "Nobody listens." });
    const message = await fakeChatOpenAI(server()).invoke("x", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(message.content).toBe("Nobody listens.");
    expect(stream.text).toBe("");
    expect(handler.droppedChars).toBe("Nobody listens.\n".length);
    expect(failures).toEqual([]);
  });

  it("handlers share one 'error' and one 'close' listener per stream, however many are built", () => {
    const stream = new CaptureStream();
    const before = stream.listenerCount("error");
    for (let i = 0; i < 20; i++)
      new StdoutStreamCallbackHandler({ stream, footer: stream, errorOutput: stream });
    expect(stream.listenerCount("error") - before).toBe(1);
    expect(stream.listenerCount("close")).toBe(1);
  });

  it("a failing footer or error stream is reported once and swallowed", async () => {
    const failures: string[] = [];
    const broken = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({
      stream: new CaptureStream(),
      footer: broken,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    broken.destroy(new Error("footer pipe closed"));
    await new Promise((resolve) => setImmediate(resolve));
    server().setScript({ content: "Footer-less." });
    const message = await fakeChatOpenAI(server()).invoke("x", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(message.content).toBe("Footer-less.");
    expect(failures).toEqual(["write"]);
  });
});
