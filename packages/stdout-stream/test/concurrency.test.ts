import { EventRecorder, fakeChatOpenAI, lastUserMessage, manualClock } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { type ConcurrencyMode, StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();
const QUESTIONS = ["q0", "q1", "q2", "q3", "q4"];

function answerOf(question: string): string {
  return `Answer ${question.slice(1)}: alpha beta gamma delta`;
}

/** Five answers whose chunks arrive interleaved (different delays per request). */
function scriptInterleaved(): void {
  server().setScript((request) => {
    const question = lastUserMessage(request);
    const index = Number(question.slice(1));
    return { content: answerOf(question), chunkDelayMs: 3 + ((index * 7) % 5), delayMs: index };
  });
}

async function batchOfFive(concurrency: ConcurrencyMode, recorder?: EventRecorder): Promise<string> {
  scriptInterleaved();
  const stream = new CaptureStream();
  const handler = new StdoutStreamCallbackHandler({ stream, concurrency });
  const callbacks = recorder ? [handler, recorder] : [handler];
  const results = await fakeChatOpenAI(server()).batch(QUESTIONS, { callbacks });
  await awaitAllCallbacks();
  expect(results.map((message) => message.content)).toEqual(QUESTIONS.map(answerOf));
  expect(handler.activeRunCount).toBe(0);
  return stream.text;
}

/** Breaks out of a stream after two chunks with content (the first one's token callback has run). */
async function abandonAfterTwoChunks(handler: StdoutStreamCallbackHandler): Promise<void> {
  server().setScript({ content: "one two three four five six", chunkDelayMs: 5 });
  let seen = 0;
  for await (const chunk of await fakeChatOpenAI(server()).stream("abandon", { callbacks: [handler] })) {
    if (String(chunk.content).length > 0 && ++seen === 2) break;
  }
}

describe("concurrency", () => {
  it('"interleave" under batch() of 5 mixes the answers (the workload really interleaves)', async () => {
    const text = await batchOfFive("interleave");
    const lines = text.split("\n").filter(Boolean);
    expect(lines.some((line) => !QUESTIONS.map(answerOf).includes(line))).toBe(true);
  });

  it('"exclusive" under batch() of 5 writes each answer whole, on its own line', async () => {
    const text = await batchOfFive("exclusive");
    const lines = text.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).sort()).toEqual(QUESTIONS.map(answerOf));
  });

  it('"prefix" under batch() of 5 labels every line; each label\'s lines rebuild one answer', async () => {
    const recorder = new EventRecorder();
    const text = await batchOfFive("prefix", recorder);
    expect(text.endsWith("\n")).toBe(true);
    // A label is the end of the run's trace id: two of five random ids may (rarely) share one.
    const labels = new Set(recorder.of("handleChatModelStart").map((start) => String(start.runId).slice(-4)));
    const byLabel = new Map<string, string>();
    for (const line of text.split("\n").filter(Boolean)) {
      const match = /^\[([0-9a-f]{4})\] (.*)$/.exec(line);
      expect(match, `unlabelled line: ${JSON.stringify(line)}`).not.toBeNull();
      const [, label = "", rest = ""] = match ?? [];
      byLabel.set(label, (byLabel.get(label) ?? "") + rest);
    }
    expect([...byLabel.keys()].sort(), text).toEqual([...labels].sort());
    if (labels.size === QUESTIONS.length) {
      expect([...byLabel.values()].sort(), text).toEqual(QUESTIONS.map(answerOf));
    }
    // The runs did take turns on the stream: more lines than runs.
    expect(text.split("\n").filter(Boolean).length).toBeGreaterThan(5);
  });

  it.each([
    ["past ownerIdleMs: the next run streams live", 6_000, true],
    ["within ownerIdleMs: the next run is held", 1_000, false],
  ])('"exclusive" with a silent owner, %s', async (_label, idle, live) => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, ownerIdleMs: 5_000, runs: { now: clock.now } });
    // A consumer that breaks out of a stream never ends its run: the run keeps the stream.
    await abandonAfterTwoChunks(handler);
    await awaitAllCallbacks();
    const abandoned = stream.text;
    expect(abandoned.length).toBeGreaterThan(0);
    clock.advance(idle);
    // The next run is read only part-way, so it has not ended when the output is checked.
    server().setScript({ content: "The next answer streams along", chunkDelayMs: 5 });
    let seen = 0;
    for await (const chunk of await fakeChatOpenAI(server()).stream("next", { callbacks: [handler] })) {
      if (String(chunk.content).length > 0 && ++seen === 3) break;
    }
    await awaitAllCallbacks();
    // The consumer broke out after three chunks; a token callback may already be under way for the next one
    // (LangChain reads ahead on some Node versions), so the live text is those three words, or four.
    if (live) expect([`${abandoned}\nThe next`, `${abandoned}\nThe next answer`]).toContain(stream.text);
    else expect(stream.text).toBe(abandoned);
  });

  it('"exclusive": an owner silent for a later run\'s whole life yields when that run ends', async () => {
    const clock = manualClock(1_000);
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, runs: { now: clock.now } });
    await abandonAfterTwoChunks(handler);
    await awaitAllCallbacks();
    const abandoned = stream.text;
    expect(abandoned.length).toBeGreaterThan(0);
    // Well within ownerIdleMs, but the abandoned owner says nothing while the next run streams.
    clock.advance(10);
    server().setScript({ content: "Printed without waiting." });
    await fakeChatOpenAI(server()).invoke("next", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(stream.text).toBe(`${abandoned}\nPrinted without waiting.\n`);
  });
});
