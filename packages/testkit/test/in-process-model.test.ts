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
