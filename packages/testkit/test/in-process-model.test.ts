import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { EventRecorder, InProcessChatModel } from "../src/index.js";

describe("InProcessChatModel", () => {
  it("streams one token callback per token, then an empty usage chunk", async () => {
    const recorder = new EventRecorder();
    const model = new InProcessChatModel({ tokens: 5, token: "ab " });
    let text = "";
    for await (const chunk of await model.stream("hi", { callbacks: [recorder] }))
      text += String(chunk.content);
    await awaitAllCallbacks();
    expect(text).toBe("ab ab ab ab ab ");
    expect(recorder.tokens()).toEqual(["ab ", "ab ", "ab ", "ab ", "ab ", ""]);
    const start = recorder.of("handleChatModelStart")[0];
    expect(start?.args[6]).toMatchObject({ ls_provider: "openai", ls_model_name: "gpt-4o-mini" });
    const end = recorder.of("handleLLMEnd")[0]?.args[0] as {
      generations: { message: { usage_metadata: unknown } }[][];
    };
    expect(end.generations[0]?.[0]?.message.usage_metadata).toMatchObject({
      input_tokens: 4,
      output_tokens: 5,
      total_tokens: 9,
    });
  });

  it("invoke answers without streaming", async () => {
    const result = await new InProcessChatModel({ tokens: 3, token: "x" }).invoke("hi");
    expect(result.content).toBe("xxx");
  });
});

describe("InProcessChatModel as an agent's model", () => {
  it("calls the tool, then answers after the tool result, streamed or not", async () => {
    const { createAgent } = await import("langchain");
    const { weatherTool } = await import("../src/index.js");
    const model = new InProcessChatModel({
      tokens: 3,
      token: "ok ",
      toolCall: { name: "get_weather", args: { city: "Oslo" } },
    });
    const recorder = new EventRecorder();
    const agent = createAgent({ model, tools: [weatherTool] });
    const result = await agent.invoke(
      { messages: [{ role: "user", content: "weather?" }] },
      { callbacks: [recorder] },
    );
    await awaitAllCallbacks();
    expect(result.messages.map((message) => message.type)).toEqual(["human", "ai", "tool", "ai"]);
    expect(result.messages[2]?.content).toBe("It is 21°C and sunny in Oslo.");
    expect(result.messages[3]?.content).toBe("ok ok ok ");
    expect(recorder.of("handleToolStart")).toHaveLength(1);
  });
});
