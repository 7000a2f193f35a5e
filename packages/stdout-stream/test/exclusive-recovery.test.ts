import { fakeChatOpenAI, manualClock } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it, vi } from "vitest";
import { channelFor } from "../src/channel.js";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

/** Streams `content` and breaks out of the loop after two chunks with text: the run never ends. */
async function breakOut(handler: StdoutStreamCallbackHandler, content: string): Promise<void> {
  server().setScript({ content, chunkDelayMs: 5 });
  let seen = 0;
  for await (const chunk of await fakeChatOpenAI(server()).stream("abandon", { callbacks: [handler] })) {
    if (String(chunk.content).length > 0 && ++seen === 2) break;
  }
  await awaitAllCallbacks();
}

describe('"exclusive" mode never holds output back for ever (issue 18.3)', () => {
  it("three streams broken out of, then a normal run: its text prints when it ends", async () => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now } });
    for (const word of ["alpha", "bravo", "charlie"]) {
      await breakOut(handler, `${word} one two three four five`);
      clock.advance(10);
    }
    server().setScript({ content: "The normal answer." });
    const message = await fakeChatOpenAI(server()).invoke("normal", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(message.content).toBe("The normal answer.");
    expect(stream.text).toContain("The normal answer.\n");
    expect(stream.text.match(/The normal answer\./g)).toHaveLength(1);
    // Each abandoned run's partial text reached the stream too, on a line of its own.
    for (const word of ["alpha", "bravo", "charlie"])
      expect(stream.text).toMatch(new RegExp(`^${word}`, "m"));
    expect(channelFor(stream, 1).heldCount).toBe(0);
  });

  it("a waiting run whose consumer also left gets the stream within ownerIdleMs, with no further event", async () => {
    // The clock moves only when the test says so; the handler's own timer checks it.
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, ownerIdleMs: 100, runs: { now: clock.now } });
    await breakOut(handler, "first one two three four");
    await breakOut(handler, "second one two three four");
    // Held behind the first run, silent but not yet for ownerIdleMs...
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(stream.text).not.toContain("second");
    // ...and written once the first run has been silent for ownerIdleMs, without any other run or call.
    clock.advance(101);
    await vi.waitFor(() => expect(stream.text).toMatch(/^second/m), { timeout: 3_000, interval: 20 });
    expect(stream.text.startsWith("first")).toBe(true);
  });

  it("flush() writes everything still held, in start order", async () => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now } });
    await breakOut(handler, "owner one two three four");
    clock.advance(10);
    await breakOut(handler, "waiting one two three four");
    expect(stream.text).not.toContain("waiting");
    await handler.flush();
    expect(stream.text).toMatch(/^owner[^\n]*\nwaiting/);
    expect(channelFor(stream, 1).heldCount).toBe(0);
  });
});

describe("close() finishes within a bound (issue 18.2)", () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");

  it("a writable that never drains: close() resolves within closeTimeoutMs and says how much it dropped", async () => {
    const stuck = new (await import("node:stream")).Writable({ highWaterMark: 8, write() {} });
    const failures: string[] = [];
    const handler = new StdoutStreamCallbackHandler({
      stream: stuck,
      closeTimeoutMs: 100,
      onHandlerError: (error, context) => failures.push(`${context.method}: ${String(error)}`),
    });
    server().setScript({ content: words });
    await fakeChatOpenAI(server()).invoke("stuck", { callbacks: [handler] });
    await awaitAllCallbacks();
    const queued = channelFor(stuck, 1).sink.pendingChars;
    expect(queued).toBeGreaterThan(0);
    const outcome = await Promise.race([
      handler.close(),
      new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 3_000).unref()),
    ]);
    expect(outcome).toEqual({ droppedChars: queued, timedOut: true });
    expect(channelFor(stuck, 1).sink.pendingChars).toBe(0);
    expect(failures).toEqual([
      `close: Error: the output stream did not drain within 100 ms: ${queued} characters dropped at close`,
    ]);
  });

  it("a writable that drains: close() writes everything held and queued, drops nothing", async () => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream({ highWaterMark: 16, delayMs: 1 });
    const handler = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now } });
    await breakOut(handler, "owner one two three four");
    clock.advance(10);
    await breakOut(handler, "waiting one two three four");
    await expect(handler.close()).resolves.toEqual({ droppedChars: 0, timedOut: false });
    // Handed over to the stream; the slow writable itself writes it out by the time it finishes.
    await new Promise<void>((resolve) => stream.end(resolve));
    expect(stream.text).toMatch(/^owner[^\n]*\nwaiting/);
  });

  it("closeTimeoutMs is validated", () => {
    expect(() => new StdoutStreamCallbackHandler({ closeTimeoutMs: -1 })).toThrow(
      /closeTimeoutMs must be a positive finite number, got -1/,
    );
  });
});
