import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyMessage, redactTokenFields } from "../src/token-fields.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI({ content: "The answer is forty two." });
});
afterAll(async () => {
  await server.close();
});

/** The `fields` of every token callback of one streamed ChatOpenAI call. */
async function streamedFields(): Promise<unknown[]> {
  const seen: unknown[] = [];
  class Capture extends BaseCallbackHandler {
    name = "capture";
    override handleLLMNewToken(...args: unknown[]): void {
      seen.push(args[5]);
    }
  }
  const model = fakeChatOpenAI(server, { streamUsage: true });
  for await (const _ of await model.stream("hi", { callbacks: [new Capture()] }));
  return seen;
}

/** Own properties, symbols included, as [key, value] pairs sorted by key. */
function ownEntries(value: object): [string, unknown][] {
  return Reflect.ownKeys(value)
    .map((key): [string, unknown] => [String(key), (value as Record<PropertyKey, unknown>)[key]])
    .sort(([a], [b]) => a.localeCompare(b));
}

describe("a token callback's fields rebuilt around the released text", () => {
  it("gives the same message the AIMessageChunk constructor would, without its cost", async () => {
    const all = await streamedFields();
    expect(all.length).toBeGreaterThan(3);
    for (const fields of all) {
      const rebuilt = redactTokenFields(fields, "released", [], (value) => value) as {
        chunk: ChatGenerationChunk;
      };
      const raw = (fields as { chunk: ChatGenerationChunk }).chunk.message as AIMessageChunk;
      const { tool_calls: _t, function_call: _f, ...kwargs } = raw.additional_kwargs;
      const expected = new AIMessageChunk({
        content: "released",
        id: raw.id,
        tool_call_chunks: [],
        response_metadata: raw.response_metadata,
        usage_metadata: raw.usage_metadata,
        additional_kwargs: kwargs,
      });
      const message = rebuilt.chunk.message as AIMessageChunk;
      // The cheap copy is what ran (not the constructor): every streamed ChatOpenAI chunk is one it knows.
      expect(copyMessage(raw, { content: "released" })).toBeDefined();
      expect(rebuilt.chunk).toBeInstanceOf(ChatGenerationChunk);
      expect(rebuilt.chunk.text).toBe("released");
      expect(Object.getPrototypeOf(message)).toBe(Object.getPrototypeOf(expected));
      expect(AIMessageChunk.isInstance(message)).toBe(true);
      expect(ownEntries(message)).toEqual(ownEntries(expected));
      expect(message.text).toBe("released");
      expect(JSON.stringify(message)).toBe(JSON.stringify(expected));
      // It still concatenates like a chunk, and the raw message is untouched.
      expect(message.concat(new AIMessageChunk({ content: " more" })).text).toBe("released more");
      expect(raw.content).not.toBe("released");
    }
  });

  it("leaves no raw text in the copy (content, lc_kwargs, the generation's text)", async () => {
    const all = await streamedFields();
    const withText = all.filter(
      (fields) => ((fields as { chunk: ChatGenerationChunk }).chunk.text ?? "").trim() !== "",
    );
    expect(withText.length).toBeGreaterThan(0);
    for (const fields of withText) {
      const raw = (fields as { chunk: ChatGenerationChunk }).chunk.text;
      const rebuilt = redactTokenFields(fields, "[X]", [], (value) => value);
      expect(JSON.stringify(rebuilt)).not.toContain(JSON.stringify(raw).slice(1, -1));
    }
  });
});
