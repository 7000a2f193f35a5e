import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import {
  carriesContent,
  contentParts,
  contentText,
  finishReason,
  normalizeMessage,
  outputText,
  reasoningText,
  tokenDelta,
  toolCallsFromOutput,
} from "../src/index.js";

const fields = (message: unknown) => ({ chunk: { message } });

describe("content normalisation", () => {
  it("reads strings and content-block arrays, summarising media instead of copying it", () => {
    const image = `data:image/png;base64,${"A".repeat(10_000)}`;
    const content = [
      { type: "text", text: "Look at " },
      { type: "image_url", image_url: { url: image } },
      { type: "text", text: "this" },
      { type: "reasoning", summary: [{ text: "hmm" }] },
      { type: "input_audio", data: "B".repeat(500) },
      "raw",
      42,
      null,
    ];
    expect(contentText(content)).toBe("Look at thisraw");
    expect(contentText("plain")).toBe("plain");
    expect(contentText(undefined)).toBe("");
    const parts = contentParts(content);
    expect(parts.map((part) => part.kind)).toEqual(["text", "image", "text", "reasoning", "audio", "text"]);
    expect(parts[1]).toEqual({ kind: "image", type: "image_url", dataLength: image.length });
    expect(JSON.stringify(parts)).not.toContain("AAAA");
  });

  it("finds reasoning in content blocks and in additional_kwargs", () => {
    expect(
      reasoningText({
        content: [
          { type: "thinking", thinking: "a" },
          { type: "reasoning", reasoning: "b" },
        ],
      }),
    ).toBe("ab");
    expect(
      reasoningText(new AIMessageChunk({ content: "", additional_kwargs: { reasoning_content: "deep" } })),
    ).toBe("deep");
    expect(
      reasoningText({ additional_kwargs: { reasoning: { summary: [{ text: "s1" }, { text: "s2" }] } } }),
    ).toBe("s1s2");
    expect(reasoningText(null)).toBe("");
  });
});

describe("token deltas", () => {
  it("treats the empty role, finish and usage tokens as carrying nothing", () => {
    expect(carriesContent("")).toBe(false);
    expect(carriesContent("", fields(new AIMessageChunk({ content: "" })))).toBe(false);
    expect(carriesContent("", { chunk: {} })).toBe(false);
    expect(carriesContent("hi")).toBe(true);
  });

  it("counts a tool-call delta or reasoning as content", () => {
    const toolChunk = new AIMessageChunk({
      content: "",
      tool_call_chunks: [{ index: 0, id: "call_1", name: "get_weather", args: "" }],
    });
    expect(carriesContent("", fields(toolChunk))).toBe(true);
    expect(tokenDelta("", fields(toolChunk)).toolCalls).toEqual([
      { index: 0, id: "call_1", name: "get_weather", args: "" },
    ]);
    const reasoningChunk = new AIMessageChunk({
      content: "",
      additional_kwargs: { reasoning_content: "why" },
    });
    expect(carriesContent("", fields(reasoningChunk))).toBe(true);
    expect(tokenDelta("", fields(reasoningChunk))).toEqual({ text: "", reasoning: "why", toolCalls: [] });
    expect(carriesContent("", fields({ content: [{ type: "thinking", thinking: "x" }] }))).toBe(true);
  });
});

describe("LLM results", () => {
  const output = {
    generations: [
      [
        {
          text: "",
          message: new AIMessage({
            content: [{ type: "text", text: "Calling" }],
            tool_calls: [{ id: "c1", name: "lookup", args: { q: "x" } }],
            response_metadata: { finish_reason: "tool_calls" },
          }),
        },
      ],
    ],
  };

  it("reads text, tool calls and finish reason", () => {
    expect(outputText(output)).toBe("Calling");
    expect(toolCallsFromOutput(output)).toEqual([{ id: "c1", name: "lookup", args: { q: "x" } }]);
    expect(finishReason(output)).toBe("tool_calls");
    expect(
      finishReason({ generations: [[{ text: "t", generationInfo: { finish_reason: "length" } }]] }),
    ).toBe("length");
    expect(outputText({ generations: [[{ text: "completion" }]] })).toBe("completion");
  });

  it("gives empty results for junk", () => {
    for (const junk of [undefined, null, {}, { generations: [[null]] }, { generations: "x" }]) {
      expect(outputText(junk)).toBe("");
      expect(toolCallsFromOutput(junk)).toEqual([]);
      expect(finishReason(junk)).toBeUndefined();
    }
  });
});

describe("normalizeMessage", () => {
  it("reduces LangChain messages and plain objects to role, parts and tool calls", () => {
    expect(normalizeMessage(new HumanMessage("hi"))).toEqual({
      role: "human",
      parts: [{ kind: "text", text: "hi" }],
      toolCalls: [],
    });
    expect(
      normalizeMessage(new ToolMessage({ content: "21C", tool_call_id: "c1", name: "weather" })),
    ).toMatchObject({
      role: "tool",
      toolCallId: "c1",
      name: "weather",
    });
    expect(normalizeMessage({ role: "user", content: [{ type: "text", text: "x" }] })).toMatchObject({
      role: "user",
    });
    expect(normalizeMessage(7)).toEqual({ role: "unknown", parts: [], toolCalls: [] });
  });
});
