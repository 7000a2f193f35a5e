import { fakeChatOpenAI, promptChain } from "@chainwatch/testkit";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

function handlerOn(stream: CaptureStream): StdoutStreamCallbackHandler {
  return new StdoutStreamCallbackHandler({ stream });
}

/** Streams content-block chunks, with the text in `token` or (as some providers do) only in the blocks. */
class BlockModel extends BaseChatModel {
  constructor(private readonly textInToken: boolean) {
    super({});
  }
  override _llmType(): string {
    return "block_model";
  }
  override async _generate(): Promise<ChatResult> {
    const message = new AIMessage({ content: [{ type: "text", text: "Blocks all the way" }] });
    return { generations: [{ text: "Blocks all the way", message }] };
  }
  override async *_streamResponseChunks(
    _messages: unknown,
    _options: unknown,
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const pieces = ["Blocks", " all", " the", " way"];
    for (const [index, piece] of pieces.entries()) {
      const chunk = new ChatGenerationChunk({
        text: piece,
        message: new AIMessageChunk({ content: [{ type: "text", text: piece, index }] }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(
        this.textInToken ? piece : "",
        undefined,
        undefined,
        undefined,
        undefined,
        {
          chunk,
        },
      );
    }
  }
}

describe("text output", () => {
  it("makes a plain invoke() stream and writes exactly the final message content, then a newline", async () => {
    server().setScript({
      content: "Hello there, general Kenobi!",
      chunks: ["Hel", "lo there", ",", " general Kenobi!"],
    });
    server().clearRequests();
    const stream = new CaptureStream();
    const model = fakeChatOpenAI(server());
    const message = await model.invoke("hi", { callbacks: [handlerOn(stream)] });
    await awaitAllCallbacks();
    expect(server().completions()[0]?.stream).toBe(true);
    expect(message.content).toBe("Hello there, general Kenobi!");
    expect(stream.text).toBe("Hello there, general Kenobi!\n");
    // Written as it arrived, token by token (role, finish and usage chunks add nothing).
    expect(stream.chunks.slice(0, 4)).toEqual(["Hel", "lo there", ",", " general Kenobi!"]);
  });

  it("writes a .stream() run exactly once and ends with one newline", async () => {
    server().setScript({ content: "Streaming is fun" });
    const stream = new CaptureStream();
    const pieces: string[] = [];
    for await (const chunk of await fakeChatOpenAI(server()).stream("go", {
      callbacks: [handlerOn(stream)],
    })) {
      pieces.push(String(chunk.content));
    }
    await awaitAllCallbacks();
    expect(pieces.join("")).toBe("Streaming is fun");
    expect(stream.text).toBe("Streaming is fun\n");
  });

  it("adds no second newline when the answer already ends with one", async () => {
    server().setScript({ content: "line one\nline two\n", chunks: ["line one\n", "line two\n"] });
    const stream = new CaptureStream();
    await fakeChatOpenAI(server()).invoke("lines", { callbacks: [handlerOn(stream)] });
    await awaitAllCallbacks();
    expect(stream.text).toBe("line one\nline two\n");
  });

  it("prints only the model's text in a prompt | model | parser chain", async () => {
    server().setScript({ content: "Chainwatch watches chains." });
    const stream = new CaptureStream();
    const out = await promptChain(fakeChatOpenAI(server())).invoke(
      { question: "What is chainwatch?" },
      { callbacks: [handlerOn(stream)] },
    );
    await awaitAllCallbacks();
    expect(out).toBe("Chainwatch watches chains.");
    expect(stream.text).toBe("Chainwatch watches chains.\n");
  });

  it("prints the whole answer once at the end when the model does not stream (streaming: false)", async () => {
    server().setScript({ content: "Not streamed at all" });
    server().clearRequests();
    const stream = new CaptureStream();
    await fakeChatOpenAI(server(), { streaming: false }).invoke("x", { callbacks: [handlerOn(stream)] });
    await awaitAllCallbacks();
    expect(server().completions()[0]?.stream).toBe(false);
    expect(stream.text).toBe("Not streamed at all\n");
  });

  it("prints nothing for a run that only calls tools (its tokens are all empty)", async () => {
    server().setScript({ toolCalls: [{ name: "get_weather", args: { city: "Oslo" } }] });
    const stream = new CaptureStream();
    const message = await fakeChatOpenAI(server()).invoke("weather?", { callbacks: [handlerOn(stream)] });
    await awaitAllCallbacks();
    expect((message as AIMessage).tool_calls?.[0]?.name).toBe("get_weather");
    expect(stream.text).toBe("");
  });

  it.each([
    ["text in the token", true],
    ["text only in the content blocks", false],
  ])("handles content-block arrays (%s)", async (_label, textInToken) => {
    const stream = new CaptureStream();
    await new BlockModel(textInToken).invoke("blocks", { callbacks: [handlerOn(stream)] });
    await awaitAllCallbacks();
    expect(stream.text).toBe("Blocks all the way\n");
    // Streamed piece by piece, not printed from the final message at the end.
    expect(stream.chunks.slice(0, 4)).toEqual(["Blocks", " all", " the", " way"]);
  });
});
