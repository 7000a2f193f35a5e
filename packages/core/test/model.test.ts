import { fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { modelFromStart, resolveModel, responseModel, serializedClassName } from "../src/index.js";

const serialized = {
  lc: 1,
  type: "constructor",
  id: ["langchain", "chat_models", "openai", "ChatOpenAI"],
  kwargs: { model: "gpt-4o" },
};

describe("model resolution", () => {
  it("prefers ls_model_name and ls_provider metadata", () => {
    expect(
      modelFromStart(
        serialized,
        { invocation_params: { model: "gpt-4.1" } },
        { ls_model_name: "gpt-4o-mini", ls_provider: "openai" },
      ),
    ).toEqual({ model: "gpt-4o-mini", provider: "openai" });
  });

  it("falls back to invocation params, then serialized kwargs, and the class for the provider", () => {
    expect(modelFromStart(serialized, { invocation_params: { model: "gpt-4.1" } }, {})).toEqual({
      model: "gpt-4.1",
      provider: "openai",
    });
    expect(modelFromStart(serialized, undefined, undefined)).toEqual({ model: "gpt-4o", provider: "openai" });
    expect(modelFromStart({ id: ["x", "ChatAnthropic"], kwargs: { model_name: "claude" } }, {}, {})).toEqual({
      model: "claude",
      provider: "anthropic",
    });
  });

  it("never walks serialized: an API key beside the model is not read", () => {
    const withKey = { ...serialized, kwargs: { configuration: { apiKey: "sk-secret" } } };
    expect(JSON.stringify(modelFromStart(withKey, {}, {}))).not.toContain("sk-secret");
  });

  it("gives undefined for junk rather than throwing, and bounds long names", () => {
    expect(modelFromStart(null, 5, "x")).toEqual({ model: undefined, provider: undefined });
    expect(modelFromStart({}, {}, { ls_model_name: "m".repeat(1_000) }).model).toHaveLength(200);
    expect(modelFromStart({}, {}, { ls_model_name: "   " }).model).toBeUndefined();
  });

  it("takes the response model (a dated snapshot) first at the end", () => {
    const output = {
      generations: [[{ message: { response_metadata: { model_name: "gpt-4o-mini-2024-07-18" } } }]],
    };
    expect(responseModel(output)).toBe("gpt-4o-mini-2024-07-18");
    expect(resolveModel({ model: "gpt-4o-mini", provider: "openai" }, output)).toEqual({
      model: "gpt-4o-mini-2024-07-18",
      provider: "openai",
    });
    expect(resolveModel({ model: "gpt-4o-mini", provider: "openai" }, { generations: [] }).model).toBe(
      "gpt-4o-mini",
    );
    expect(responseModel({ generations: [[{ text: "" }]], llmOutput: { model_name: "m" } })).toBe("m");
  });

  it("finds the response model of a streamed call, which LangChain puts in the generation info", async () => {
    const server = await startFakeOpenAI({ model: "gpt-4o-mini-2024-07-18" });
    try {
      const outputs: unknown[] = [];
      // A handler preferring streaming makes invoke() stream (as the stdout-stream handler does).
      class Probe extends BaseCallbackHandler {
        name = "probe";
        lc_prefer_streaming = true;
        override handleLLMEnd(output: unknown) {
          outputs.push(output);
        }
      }
      const model = fakeChatOpenAI(server);
      await model.invoke("not streamed", {
        callbacks: [BaseCallbackHandler.fromMethods({ handleLLMEnd: (o) => void outputs.push(o) })],
      });
      await model.invoke("streamed", { callbacks: [new Probe()] });
      for await (const _ of await model.stream("streamed too", { callbacks: [new Probe()] }));
      await awaitAllCallbacks();
      expect(outputs.map(responseModel)).toEqual([
        "gpt-4o-mini-2024-07-18",
        "gpt-4o-mini-2024-07-18",
        "gpt-4o-mini-2024-07-18",
      ]);
    } finally {
      await server.close();
    }
  });

  it("reads the class name from serialized ids", () => {
    expect(serializedClassName(serialized)).toBe("ChatOpenAI");
    expect(serializedClassName({ id: "nope" })).toBeUndefined();
  });
});
