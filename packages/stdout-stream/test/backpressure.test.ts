import { Writable } from "node:stream";
import { fakeChatOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const WORDS = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
const { server } = useFakeServer({ content: WORDS });

/** Records, for each write() the handler makes, whether the stream had asked it to wait for 'drain'. */
function spyWrites(stream: Writable): { whileFull: number; total: number } {
  const counts = { whileFull: 0, total: 0 };
  const write = stream.write.bind(stream) as (chunk: unknown) => boolean;
  stream.write = ((chunk: unknown) => {
    counts.total++;
    if (stream.writableNeedDrain) counts.whileFull++;
    return write(chunk);
  }) as typeof stream.write;
  return counts;
}

describe("backpressure", () => {
  it("a slow consumer: waits for 'drain' instead of overfilling the stream, loses nothing, keeps order", async () => {
    const stream = new CaptureStream({ highWaterMark: 16, delayMs: 1 });
    const writes = spyWrites(stream);
    const handler = new StdoutStreamCallbackHandler({ stream, awaitHandlers: true });
    const message = await fakeChatOpenAI(server()).invoke("slow", { callbacks: [handler] });
    // The run did not wait for the reader: it is done while output is still queued.
    expect(message.content).toBe(WORDS);
    expect(stream.text.length).toBeLessThan(WORDS.length);
    await handler.flush();
    await new Promise<void>((resolve) => stream.end(resolve));
    expect(stream.text).toBe(`${WORDS}\n`);
    expect(writes.whileFull).toBe(0);
    // Queued tokens went out together on 'drain', not one write per token.
    expect(writes.total).toBeLessThan(200);
    expect(handler.droppedChars).toBe(0);
  });

  it("a reader that never drains: the queue stays bounded, the overflow is dropped and reported once", async () => {
    const stuck = new Writable({ highWaterMark: 8, write() {} });
    const failures: string[] = [];
    const handler = new StdoutStreamCallbackHandler({
      stream: stuck,
      maxQueuedChars: 100,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    for (let i = 0; i < 3; i++) {
      const message = await fakeChatOpenAI(server()).invoke("stuck", { callbacks: [handler] });
      expect(message.content).toBe(WORDS);
    }
    await awaitAllCallbacks();
    expect(stuck.writableLength).toBeLessThan(200);
    expect(handler.droppedChars).toBeGreaterThan(3 * WORDS.length - 300);
    expect(failures).toEqual(["backpressure"]);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a stream that has ended drops output silently and the run goes on", async () => {
    const stream = new CaptureStream();
    stream.end();
    const failures: string[] = [];
    const handler = new StdoutStreamCallbackHandler({
      stream,
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    const message = await fakeChatOpenAI(server()).invoke("ended", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(message.content).toBe(WORDS);
    expect(handler.droppedChars).toBe(WORDS.length + 1);
    expect(failures).toEqual([]);
  });
});
