import { Writable } from "node:stream";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import {
  type FakeOpenAI,
  fakeChatOpenAI,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withRedaction } from "../src/index.js";
import { leakedValues, PII_PROMPT, RAW_VALUES } from "./fixtures.js";

/**
 * Stand-ins for @chainwatch/pino-logger and @chainwatch/stdout-stream (built in parallel): a handler that logs
 * every event's payload through a real pino logger, and one that prints tokens to a writable stream. The
 * cross-package end-to-end test replaces these once those packages are merged.
 */
class PinoEventHandler extends BaseCallbackHandler {
  name = "pino_events";
  constructor(private readonly logger: pino.Logger) {
    super();
  }
  override handleChatModelStart(_llm: unknown, messages: BaseMessage[][], runId: string) {
    this.logger.info({ runId, messages: messages.flat().map((message) => message.content) }, "model start");
  }
  override handleLLMEnd(output: LLMResult, runId: string) {
    this.logger.info({ runId, output: output.generations }, "model end");
  }
  override handleLLMError(error: Error, runId: string) {
    this.logger.error({ runId, err: error }, "model error");
  }
  override handleChainStart(_chain: unknown, inputs: unknown, runId: string) {
    this.logger.info({ runId, inputs }, "chain start");
  }
  override handleChainEnd(outputs: unknown, runId: string) {
    this.logger.info({ runId, outputs }, "chain end");
  }
  override handleToolStart(_tool: unknown, input: string, runId: string) {
    this.logger.info({ runId, input }, "tool start");
  }
  override handleToolEnd(output: unknown, runId: string) {
    this.logger.info({ runId, output }, "tool end");
  }
}

class TokenPrinter extends BaseCallbackHandler {
  name = "token_printer";
  lc_prefer_streaming = true;
  constructor(private readonly out: Writable) {
    super();
  }
  override handleLLMNewToken(token: string) {
    if (token !== "") this.out.write(token);
  }
  override handleLLMEnd() {
    this.out.write("\n");
  }
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("end to end: withRedaction around a pino logger and a token printer", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.close());

  it("not one raw value from a prompt full of PII reaches the log or stdout, streamed output included", async () => {
    const log = capture();
    const stdout = capture();
    const logger = pino({ level: "info" }, log.stream);
    const callbacks = [
      withRedaction(new PinoEventHandler(logger)),
      withRedaction(new TokenPrinter(stdout.stream)),
    ];
    const model = fakeChatOpenAI(server);

    server.setScript((request) => ({
      content: `Sure. I have ${RAW_VALUES.email}, card ${RAW_VALUES.card}, IBAN ${RAW_VALUES.iban}; we will ring ${RAW_VALUES.phone}. ${JSON.stringify(request.body?.messages?.length)}`,
    }));
    const reply = await model.invoke(PII_PROMPT, { callbacks }); // prefer-streaming: tokens, no tiktoken
    const stream = await model.stream(PII_PROMPT, { callbacks });
    for await (const _ of stream);
    server.setScript(weatherAgentScript(`Paris, SSN ${RAW_VALUES.ssn}`));
    await weatherAgent(model).invoke({ messages: [{ role: "user", content: PII_PROMPT }] }, { callbacks });
    server.setScript({ status: 400, error: { message: `rejected key ${RAW_VALUES.apiKey}` } });
    await expect(model.invoke(PII_PROMPT, { callbacks })).rejects.toThrow();
    await awaitAllCallbacks();
    logger.flush();

    expect(String(reply.content)).toContain(RAW_VALUES.card); // the run itself is untouched
    expect(log.text()).toContain("[CREDIT_CARD]");
    expect(log.text()).toContain("model error");
    expect(stdout.text()).toContain("[EMAIL]");
    expect(stdout.text().split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(3);
    expect(leakedValues(log.text())).toEqual([]);
    expect(leakedValues(stdout.text())).toEqual([]);
  });
});

describe("end to end: withRedaction around @chainwatch/pino-logger and @chainwatch/stdout-stream", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.close());

  it("not one raw value reaches the log (full content, every event incl. tokens) or the printed stream", async () => {
    const log = capture();
    const stdout = capture();
    const logger = new PinoCallbackHandler({
      logger: pino({ level: "trace" }, log.stream),
      content: "full",
      levels: { start: "info", end: "info", error: "error", token: "info", agent: "info", custom: "info" },
    });
    const printer = new StdoutStreamCallbackHandler({
      stream: stdout.stream,
      toolCalls: true,
      errorOutput: stdout.stream,
    });
    const callbacks = [withRedaction(logger), withRedaction(printer)];
    const model = fakeChatOpenAI(server);

    server.setScript({
      content: `Sure. I have ${RAW_VALUES.email}, card ${RAW_VALUES.card}, IBAN ${RAW_VALUES.iban}; we will ring ${RAW_VALUES.phone}.`,
    });
    const reply = await model.invoke(PII_PROMPT, { callbacks });
    for await (const _ of await model.stream(PII_PROMPT, { callbacks }));
    server.setScript(weatherAgentScript(`Paris, SSN ${RAW_VALUES.ssn}`));
    await weatherAgent(model).invoke({ messages: [{ role: "user", content: PII_PROMPT }] }, { callbacks });
    server.setScript({ status: 400, error: { message: `rejected key ${RAW_VALUES.apiKey}` } });
    await expect(model.invoke(PII_PROMPT, { callbacks })).rejects.toThrow();
    await awaitAllCallbacks();
    await logger.flush();
    await printer.flush();

    expect(String(reply.content)).toContain(RAW_VALUES.card); // the run itself is untouched
    const logged = log.text();
    expect(logged).toContain('"msg":"llm.token"');
    expect(logged).toContain('"msg":"tool.start"');
    expect(logged).toContain('"msg":"llm.error"');
    expect(logged).toContain("[CREDIT_CARD]");
    expect(stdout.text()).toContain("[EMAIL]");
    expect(stdout.text()).toContain("get_weather");
    expect(leakedValues(logged)).toEqual([]);
    expect(leakedValues(stdout.text())).toEqual([]);
  });
});
