import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import type { Serialized } from "@langchain/core/load/serializable";
import { HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  countByType,
  createRedactor,
  type PiiAuditRecord,
  PiiDetectedError,
  PiiGuardCallbackHandler,
} from "../src/index.js";
import { SLICE_CHARS } from "../src/sliced-scan.js";

/** What LangChain passes as a chat model's `serialized` (the guard reads no field of it). */
const MODEL: Serialized = { lc: 1, type: "not_implemented", id: ["test", "ChatModel"] };

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI({ content: "ok" });
});
afterAll(async () => {
  await server.close();
});

const filler = (chars: number) =>
  "Nothing personal in this sentence at all. ".repeat(Math.ceil(chars / 42)).slice(0, chars);

/** Lines with an email, a phone and a card each, so values fall across every slice boundary. */
function denseText(chars: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let index = 0; length < chars; index++) {
    const line = `Row ${index}: mail person${index}@example.com, phone +44 20 7946 ${String(index % 10_000).padStart(4, "0")}, card 4111 1111 1111 1111 ok\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join("");
}

describe("PiiGuardCallbackHandler on prompts larger than one slice", () => {
  it("block: a card at the very end of a 2 MB prompt still stops the call, and no request is sent", async () => {
    const guard = new PiiGuardCallbackHandler({ mode: "block" });
    const before = server.requests.length;
    const prompt = `${filler(2 * 1024 * 1024)} my card is 4111 1111 1111 1111`;
    // LangChain prints a raising handler's error before it rethrows it: captured, and checked.
    const printed: unknown[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void printed.push(line));
    try {
      await expect(fakeChatOpenAI(server).invoke(prompt, { callbacks: [guard] })).rejects.toBeInstanceOf(
        PiiDetectedError,
      );
    } finally {
      spy.mockRestore();
    }
    expect(String(printed[0])).toContain("PiiDetectedError: Personal data in the prompt (CREDIT_CARD ×1)");
    expect(server.requests.length).toBe(before);
  });

  it("block: a clean 2 MB prompt goes through, and the scan lets the event loop turn between slices", async () => {
    const guard = new PiiGuardCallbackHandler({ mode: "block" });
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      await guard.handleChatModelStart?.(MODEL, [[new HumanMessage(filler(2 * 1024 * 1024))]], "run-1");
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThan(3);
    const reply = await fakeChatOpenAI(server).invoke(filler(2 * 1024 * 1024), { callbacks: [guard] });
    expect(reply.content).toBe("ok");
  });

  it("audit: counts in slices are exactly the counts of one whole-text scan", async () => {
    const records: PiiAuditRecord[] = [];
    const guard = new PiiGuardCallbackHandler({ mode: "audit", onAudit: (record) => records.push(record) });
    const text = denseText(5 * SLICE_CHARS + 777);
    await guard.handleChatModelStart?.(MODEL, [[new HumanMessage(text)]], "run-2");
    const whole = countByType(createRedactor().detect(text));
    expect(whole.EMAIL).toBeGreaterThan(1000);
    expect(records).toEqual([{ runId: "run-2", parentRunId: undefined, source: "llm_input", counts: whole }]);
  });
});
