import { fakeChatOpenAI, manualClock } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { resolveOptions } from "../src/options.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const CONTENT = 'Quotes " and \\ backslashes\nand a second line';
const { server } = useFakeServer({ content: CONTENT, usage: { promptTokens: 12, completionTokens: 9 } });

async function run(options: StdoutStreamOptions): Promise<string> {
  const stream = new CaptureStream();
  const message = await fakeChatOpenAI(server()).invoke("format me", {
    callbacks: [new StdoutStreamCallbackHandler({ stream, ...options })],
  });
  await awaitAllCallbacks();
  expect(message.content).toBe(CONTENT);
  return stream.text;
}

interface Event {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): Event[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((block) => {
      const lines = block.split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^event: [a-z-]+$/);
      expect(lines[1]).toMatch(/^data: /);
      return { event: lines[0]?.slice(7) ?? "", data: JSON.parse(lines[1]?.slice(6) ?? "") };
    });
}

describe("formats", () => {
  it("sse: token events rebuild the content exactly, then one end event with usage and timings", async () => {
    const events = parseSse(await run({ format: "sse", progress: false }));
    const tokens = events.filter((e) => e.event === "token");
    expect(tokens.map((e) => e.data.text).join("")).toBe(CONTENT);
    expect(events.filter((e) => e.event === "end")).toHaveLength(1);
    const end = events.at(-1);
    expect(end?.event).toBe("end");
    expect(end?.data).toMatchObject({
      runId: tokens[0]?.data.runId,
      model: "gpt-4o-mini",
      usage: { inputTokens: 12, outputTokens: 9, totalTokens: 21 },
      finishReason: "stop",
    });
    expect(end?.data.ttftMs).toEqual(expect.any(Number));
  });

  it("ndjson: one JSON object a line, same events", async () => {
    const text = await run({ format: "ndjson", progress: false });
    expect(text.endsWith("\n")).toBe(true);
    const events = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      events
        .filter((e) => e.event === "token")
        .map((e) => e.text)
        .join(""),
    ).toBe(CONTENT);
    expect(events.at(-1)).toMatchObject({ event: "end", usage: { outputTokens: 9 } });
  });

  it("footer: a summary line on its own writable (time to first token, tokens per second, usage)", async () => {
    let now = 1_000;
    const clock = () => (now += 5);
    const footer = new CaptureStream();
    const text = await run({ footer, runs: { now: clock } });
    expect(text).toBe(`${CONTENT}\n`);
    expect(footer.text).toMatch(
      /^\[[0-9a-f]{4}\] gpt-4o-mini · ttft \d+ ms · \d+\.\d tok\/s · in 12 out 9 total 21\n$/,
    );
  });

  it("footer is off by default; footer: true means stderr; the manual clock gives exact figures", async () => {
    expect(resolveOptions({}).footer).toBeUndefined();
    expect(resolveOptions({ footer: true }).footer).toBe(process.stderr);
    const clock = manualClock(0);
    const footer = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({
      stream: new CaptureStream(),
      footer,
      runs: { now: clock.now },
    });
    // Drive the callbacks directly with a known timeline: start at 0, first token at 200 ms, end at 1,200 ms.
    const runId = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3fabcd";
    // The base class installs the callback methods on the instance, as LangChain calls them.
    const callbacks = handler as unknown as Record<
      "handleChatModelStart" | "handleLLMNewToken" | "handleLLMEnd",
      (...args: unknown[]) => void
    >;
    callbacks.handleChatModelStart({}, [], runId, undefined, { invocation_params: { model: "m-1" } });
    clock.advance(200);
    callbacks.handleLLMNewToken("Hi", undefined, runId);
    clock.advance(1_000);
    callbacks.handleLLMEnd(
      {
        generations: [
          [
            {
              text: "Hi",
              message: {
                content: "Hi",
                usage_metadata: { input_tokens: 3, output_tokens: 50, total_tokens: 53 },
              },
            } as never,
          ],
        ],
      },
      runId,
    );
    expect(footer.text).toBe("[abcd] m-1 · ttft 200 ms · 50.0 tok/s · in 3 out 50 total 53\n");
  });
});
