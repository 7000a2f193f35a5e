import { EventRecorder, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { expect, it } from "vitest";
import { z } from "zod";
import { CALLBACK_ARGUMENTS, type CallbackMethod, decodeCallback } from "../src/index.js";

it("decodeCallback reads ids, tags, metadata and names where LangChain really puts them", async () => {
  const server = await startFakeOpenAI({ content: "a b" });
  try {
    const recorder = new EventRecorder();
    const lookup = tool(({ q }: { q: string }) => q.toUpperCase(), {
      name: "lookup",
      description: "looks up",
      schema: z.object({ q: z.string() }),
    });
    const chain = RunnableLambda.from(async (input: { word: string }) => {
      await dispatchCustomEvent("step", { n: 1 });
      await lookup.invoke({ q: input.word });
      return input;
    })
      .withConfig({ runName: "outer" })
      .pipe(ChatPromptTemplate.fromTemplate("say {word}"))
      .pipe(fakeChatOpenAI(server));
    for await (const _ of await chain.stream({ word: "x" }, { callbacks: [recorder], tags: ["mine"] }));
    await awaitAllCallbacks();

    const decoded = recorder.events.map((event) => ({
      event: event.event,
      ...decodeCallback(event.event as CallbackMethod, event.args),
    }));
    const starts = decoded.filter((event) => event.event.endsWith("Start"));
    const [root] = starts;
    expect(root?.event).toBe("handleChainStart");
    expect(root?.parentRunId).toBeUndefined();
    expect(root?.tags).toEqual(["mine"]);
    const byName = (name: string) => starts.find((event) => event.runName === name);
    expect(byName("outer")?.parentRunId).toBe(root?.runId);
    expect(byName("lookup")?.parentRunId).toBe(byName("outer")?.runId);
    expect(byName("lookup")?.event).toBe("handleToolStart");
    const model = starts.find((event) => event.event === "handleChatModelStart");
    expect(model?.parentRunId).toBe(root?.runId);
    expect(model?.metadata?.ls_model_name).toBe("gpt-4o-mini");
    expect(model?.tags).toContain("seq:step:3");
    const custom = decoded.find((event) => event.event === "handleCustomEvent");
    expect(custom?.runId).toBe(byName("outer")?.runId);
    expect(custom?.parentRunId).toBeUndefined();
    // Every token, end and error names a run that started.
    const started = new Set(starts.map((event) => event.runId));
    for (const event of decoded) expect(started.has(event.runId ?? ""), event.event).toBe(true);
    expect(decoded.filter((event) => event.event === "handleLLMNewToken").length).toBeGreaterThanOrEqual(2);
    // The content positions hold the content: the model's messages, the tool's input.
    const toolStart = recorder.of("handleToolStart")[0];
    expect(toolStart?.args[CALLBACK_ARGUMENTS.handleToolStart.content[0] ?? -1]).toBe('{"q":"x"}');
  } finally {
    await server.close();
  }
});
