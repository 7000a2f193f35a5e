import {
  type FakeOpenAI,
  fakeChatOpenAI,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MaskContext, PinoCallbackHandler } from "../src/index.js";
import { callbacks, captureLogger } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

const LONG = `start ${"y".repeat(5_000)} end`;

describe("content modes", () => {
  it("declares what it records, for withRedaction: nothing, strings cut at maxLength, or everything", () => {
    const { logger } = captureLogger("info");
    expect(new PinoCallbackHandler({ logger, content: "none" }).recordedContent).toEqual({ content: "none" });
    expect(new PinoCallbackHandler({ logger }).recordedContent).toEqual({
      content: "truncate",
      maxLength: 2048,
    });
    expect(new PinoCallbackHandler({ logger, maxLength: 300 }).recordedContent).toEqual({
      content: "truncate",
      maxLength: 300,
    });
    expect(new PinoCallbackHandler({ logger, content: "full" }).recordedContent).toEqual({ content: "full" });
  });

  it('"none": ids, timing, usage, model and tool names, but no prompt, completion or tool arguments', async () => {
    server.setScript(weatherAgentScript("Lisbon"));
    const { logger, records, lines } = captureLogger("trace");
    const handler = new PinoCallbackHandler({ logger, content: "none" });
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "Weather in Lisbon?" }] },
      { callbacks: [handler] },
    );
    await awaitAllCallbacks();
    const all = lines.join("");
    expect(all).not.toContain("Lisbon");
    expect(all).not.toContain("Weather");
    const ends = records().filter((record) => record.msg === "llm.end");
    expect(ends[0]).toMatchObject({ model: "gpt-4o-mini", tool_calls: [{ name: "get_weather" }] });
    expect(ends[0]?.tool_calls).toEqual([{ name: "get_weather", id: expect.any(String) }]);
    expect(ends[1]?.usage).toMatchObject({ input: expect.any(Number), output: expect.any(Number) });
    expect(records().some((record) => "input" in record || "output" in record)).toBe(false);
  });

  it('"truncate" (default) cuts at maxLength and records the original length; "full" keeps everything', async () => {
    server.setScript({ content: LONG });
    const cut = captureLogger("trace");
    const full = captureLogger("trace");
    const small = captureLogger("trace");
    await fakeChatOpenAI(server).invoke("long please", {
      callbacks: [
        new PinoCallbackHandler({ logger: cut.logger }),
        new PinoCallbackHandler({ logger: full.logger, content: "full" }),
        new PinoCallbackHandler({ logger: small.logger, maxLength: 10 }),
      ],
    });
    await awaitAllCallbacks();
    const [cutEnd] = cut.events("llm.end");
    expect(cutEnd?.output).toBe(`${LONG.slice(0, 2048)}…[+${LONG.length - 2048} chars]`);
    expect(cutEnd?.output_length).toBe(LONG.length);
    const [fullEnd] = full.events("llm.end");
    expect(fullEnd?.output).toBe(LONG);
    expect(fullEnd).not.toHaveProperty("output_length");
    expect(small.events("llm.end")[0]?.output).toBe(`start yyyy…[+${LONG.length - 10} chars]`);
    expect(small.events("llm.start")[0]?.input).toEqual([
      { role: "human", content: "long pleas…[+1 chars]" },
    ]);
  });
});

describe("mask", () => {
  it("sees every input and output value, with its event and field, before anything is logged", async () => {
    server.setScript(weatherAgentScript("Rome"));
    const seen: MaskContext[] = [];
    const { logger, lines } = captureLogger("trace");
    const handler = new PinoCallbackHandler({
      logger,
      mask: (value, context) => {
        seen.push(context);
        return JSON.parse(JSON.stringify(value ?? null).replaceAll("Rome", "[CITY]"));
      },
    });
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "Weather in Rome?" }] },
      { callbacks: [handler] },
    );
    await awaitAllCallbacks();
    const all = lines.join("");
    expect(all).toContain("[CITY]");
    expect(all).not.toContain("Rome");
    const pairs = new Set(seen.map((context) => `${context.event}:${context.field}`));
    for (const pair of [
      "chain.start:input",
      "chain.end:output",
      "llm.start:input",
      "llm.end:output",
      "llm.end:tool_calls.args",
      "tool.start:input",
      "tool.end:output",
    ]) {
      expect(pairs).toContain(pair);
    }
  });

  it("receives plain JSON data, uncut, and its result is cut afterwards", () => {
    const received: unknown[] = [];
    const { logger, events } = captureLogger("trace");
    const handler = new PinoCallbackHandler({
      logger,
      maxLength: 20,
      mask: (value) => {
        received.push(value);
        return String((value as { text: string }).text).replace(/secret@example\.com/g, "<email>");
      },
    });
    const text = `${"z".repeat(30)} secret@example.com`;
    callbacks(handler).handleChainStart({}, { text, when: new Date(0) }, "run-1");
    expect(received).toEqual([{ text, when: "1970-01-01T00:00:00.000Z" }]);
    const [record] = events("chain.start");
    expect(record?.input).toBe(`${"z".repeat(20)}…[+18 chars]`);
    expect(record?.input_length).toBe(38);
  });

  it("applies to error messages, in the stack too", () => {
    const { logger, events } = captureLogger("trace");
    const handler = new PinoCallbackHandler({
      logger,
      content: "none",
      mask: (value) => (typeof value === "string" ? value.replace("jane@example.com", "<email>") : value),
    });
    callbacks(handler).handleToolStart({}, "", "run-1");
    callbacks(handler).handleToolError(new Error("no account for jane@example.com"), "run-1");
    const [record] = events("tool.error");
    expect(JSON.stringify(record)).not.toContain("jane@example.com");
    expect(record?.err).toHaveProperty("message", "no account for <email>");
  });

  it("a throwing mask drops the record (never logs unmasked) and is reported once", () => {
    const failures: string[] = [];
    const { logger, lines } = captureLogger("trace");
    const handler = new PinoCallbackHandler({
      logger,
      mask: () => {
        throw new Error("mask broke");
      },
      onHandlerError: (_error, context) => failures.push(context.method),
    });
    callbacks(handler).handleChainStart({}, { secret: "value" }, "run-1");
    callbacks(handler).handleChainStart({}, { secret: "value" }, "run-2");
    expect(lines).toEqual([]);
    expect(failures).toEqual(["handleChainStart"]);
    expect(handler.handlerErrorCount).toBe(2);
  });
});

describe("pino redact", () => {
  it("the paths the README lists apply to the handler's records through the user's logger", () => {
    const { logger, events } = captureLogger("trace", {
      redact: ["input", "output", "tool_calls[*].args", "err.message", "err.stack", "metadata.user_id"],
    });
    const handler = new PinoCallbackHandler({ logger, metadataKeys: ["user_id", "tenant"] });
    callbacks(handler).handleChainStart({}, { question: "private" }, "run-1", undefined, [], {
      user_id: "u-1",
      tenant: "acme",
    });
    callbacks(handler).handleChainError(new Error("private failure"), "run-1");
    callbacks(handler).handleChatModelStart({}, [[]], "run-2");
    callbacks(handler).handleLLMEnd(
      {
        generations: [
          [
            {
              text: "",
              message: {
                content: "private answer",
                tool_calls: [{ name: "lookup", id: "c1", args: { q: "private" } }],
              },
            },
          ],
        ],
      },
      "run-2",
    );
    const [start] = events("chain.start");
    expect(start).toMatchObject({ input: "[Redacted]", metadata: { user_id: "[Redacted]", tenant: "acme" } });
    expect(events("chain.error")[0]?.err).toMatchObject({ message: "[Redacted]", stack: "[Redacted]" });
    expect(events("llm.end")[0]).toMatchObject({
      output: "[Redacted]",
      tool_calls: [{ name: "lookup", id: "c1", args: "[Redacted]" }],
    });
  });
});
