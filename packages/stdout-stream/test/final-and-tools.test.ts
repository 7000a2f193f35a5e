import { fakeChatOpenAI, weatherAgent, weatherAgentScript } from "@chainwatch/testkit";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

async function runAgent(options: StdoutStreamOptions): Promise<{ text: string; answer: string }> {
  server().setScript(weatherAgentScript("Paris"));
  const stream = new CaptureStream();
  const handler = new StdoutStreamCallbackHandler({ stream, ...options });
  const result = (await weatherAgent(fakeChatOpenAI(server())).invoke(
    { messages: [{ role: "user", content: "Weather in Paris?" }] },
    { callbacks: [handler] },
  )) as { messages: BaseMessage[] };
  await awaitAllCallbacks();
  expect(handler.activeRunCount).toBe(0);
  return { text: stream.text, answer: String(result.messages.at(-1)?.content) };
}

/** Streams a tool-call chunk first and text after it, as a provider with interleaved blocks may. */
class CallThenTextModel extends BaseChatModel {
  override _llmType(): string {
    return "call_then_text";
  }
  override async _generate(): Promise<ChatResult> {
    throw new Error("streams only");
  }
  override async *_streamResponseChunks(
    _messages: unknown,
    _options: unknown,
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const call = new AIMessageChunk({
      content: "",
      tool_call_chunks: [
        { name: "get_weather", args: '{"city":"Oslo"}', id: "call_1", index: 0, type: "tool_call_chunk" },
      ],
    });
    const text = new AIMessageChunk({ content: "(checking)" });
    for (const [token, message] of [
      ["", call],
      ["(checking)", text],
    ] as const) {
      const chunk = new ChatGenerationChunk({ text: token, message });
      yield chunk;
      await runManager?.handleLLMNewToken(token, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}

describe("show: final, and tool calls", () => {
  it('"final" hides a turn from its first tool-call chunk on, even text that follows it', async () => {
    const printed: Record<string, string> = {};
    for (const show of ["all", "final"] as const) {
      const stream = new CaptureStream();
      const message = await new CallThenTextModel({}).invoke("weather?", {
        callbacks: [new StdoutStreamCallbackHandler({ stream, show })],
      });
      await awaitAllCallbacks();
      expect((message as AIMessage).tool_calls?.[0]?.name).toBe("get_weather");
      printed[show] = stream.text;
    }
    expect(printed).toEqual({ all: "(checking)\n", final: "" });
  });

  it('"final" prints only the answer of a tool-calling agent, not its intermediate steps', async () => {
    const { text, answer } = await runAgent({ show: "final" });
    expect(answer).toBe("The weather in Paris is sunny, 21°C.");
    expect(text).toBe("The weather in Paris is sunny, 21°C.\n");
  });

  it('"final" stops a turn at its first tool-call chunk; text streamed before it stays printed', async () => {
    server().setScript((request) =>
      request.body?.messages?.some((m) => m.role === "tool")
        ? { content: "It is sunny." }
        : { content: "Checking.", toolCalls: [{ name: "get_weather", args: { city: "Rome" } }] },
    );
    const stream = new CaptureStream();
    await weatherAgent(fakeChatOpenAI(server())).invoke(
      { messages: [{ role: "user", content: "Weather in Rome?" }] },
      { callbacks: [new StdoutStreamCallbackHandler({ stream, show: "final", toolCalls: false })] },
    );
    await awaitAllCallbacks();
    // Tokens are written as they arrive and cannot be taken back: the preamble is out before the call starts.
    expect(stream.text).toBe("Checking.\nIt is sunny.\n");
  });

  it('"final" vs "all" when the model does not stream: the tool-call turn\'s text prints only in "all"', async () => {
    const script = (request: { body?: { messages?: { role?: string }[] } }) =>
      request.body?.messages?.some((m) => m.role === "tool")
        ? { content: "It is sunny." }
        : { content: "Checking.", toolCalls: [{ name: "get_weather", args: { city: "Rome" } }] };
    const printed: Record<string, string> = {};
    for (const show of ["all", "final"] as const) {
      server().setScript(script);
      const stream = new CaptureStream();
      await weatherAgent(fakeChatOpenAI(server(), { streaming: false })).invoke(
        { messages: [{ role: "user", content: "Weather in Rome?" }] },
        { callbacks: [new StdoutStreamCallbackHandler({ stream, show })] },
      );
      await awaitAllCallbacks();
      printed[show] = stream.text;
    }
    expect(printed).toEqual({ all: "Checking.\nIt is sunny.\n", final: "It is sunny.\n" });
  });

  it('toolCalls prints a completed call once as "→ name(args)" and its result as a short line', async () => {
    const { text } = await runAgent({ show: "final", toolCalls: true });
    expect(text).toBe(
      [
        '→ get_weather({"city":"Paris"})',
        "← It is 21°C and sunny in Paris.",
        "The weather in Paris is sunny, 21°C.",
        "",
      ].join("\n"),
    );
  });

  it('"all" prints every model turn; without toolCalls the tool-call turn prints nothing', async () => {
    const { text } = await runAgent({ show: "all" });
    expect(text).toBe("The weather in Paris is sunny, 21°C.\n");
  });

  it("a tool-call turn streams its call as tool-call chunks (empty tokens), printed once at completion", async () => {
    server().setScript({
      content: "Let me check.",
      toolCalls: [
        { name: "get_weather", args: { city: "Oslo" } },
        { name: "get_time", args: { zone: "Europe/Oslo" } },
      ],
    });
    const stream = new CaptureStream();
    await fakeChatOpenAI(server()).invoke("weather and time?", {
      callbacks: [new StdoutStreamCallbackHandler({ stream, toolCalls: true })],
    });
    await awaitAllCallbacks();
    expect(stream.text).toBe(
      'Let me check.\n→ get_weather({"city":"Oslo"})\n→ get_time({"zone":"Europe/Oslo"})\n',
    );
  });

  it("sse: tool-call and tool-result events carry the call and its result", async () => {
    server().setScript(weatherAgentScript("Lima"));
    const stream = new CaptureStream();
    await weatherAgent(fakeChatOpenAI(server())).invoke(
      { messages: [{ role: "user", content: "Weather in Lima?" }] },
      {
        callbacks: [
          new StdoutStreamCallbackHandler({
            stream,
            format: "sse",
            toolCalls: true,
            show: "final",
            progress: false,
          }),
        ],
      },
    );
    await awaitAllCallbacks();
    const events = stream.text
      .trim()
      .split("\n\n")
      .map((block) => {
        const [eventLine, dataLine] = block.split("\n");
        return { event: eventLine?.slice(7), data: JSON.parse(dataLine?.slice(6) ?? "null") };
      });
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("tool-call");
    expect(events[0]?.data).toMatchObject({ name: "get_weather", args: { city: "Lima" } });
    expect(kinds[1]).toBe("end");
    expect(events[2]).toMatchObject({
      event: "tool-result",
      data: { name: "get_weather", result: "It is 21°C and sunny in Lima.", failed: false },
    });
    expect(
      events
        .filter((e) => e.event === "token")
        .map((e) => e.data.text)
        .join(""),
    ).toBe("The weather in Lima is sunny, 21°C.");
    expect(kinds.at(-1)).toBe("end");
  });
});
