import { inspect } from "node:util";
import {
  type FakeOpenAI,
  fakeChatOpenAI,
  promptChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { ChatOpenAIFields } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { callbacks, captureLogger, drain } from "./helpers.js";

const KEYS = {
  apiKey: "sk-top-level-KEY-1111111111111111",
  configurationApiKey: "sk-configuration-KEY-2222222222222",
  header: "sk-default-header-KEY-33333333333",
};

/** Captures what LangChain hands handlers in `serialized`, to prove the keys really are there. */
class SerializedSpy extends BaseCallbackHandler {
  name = "serialized_spy";
  readonly seen: string[] = [];
  override handleChatModelStart(llm: unknown) {
    this.seen.push(inspect(llm, { depth: 8 }));
  }
  override handleChainStart(chain: unknown) {
    this.seen.push(inspect(chain, { depth: 8 }));
  }
}

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

const MODELS: [string, ChatOpenAIFields, string][] = [
  ["apiKey", { apiKey: KEYS.apiKey }, KEYS.apiKey],
  [
    "configuration.apiKey",
    { apiKey: KEYS.configurationApiKey, configuration: { apiKey: KEYS.configurationApiKey } },
    KEYS.configurationApiKey,
  ],
  [
    "configuration.defaultHeaders",
    {
      configuration: { defaultHeaders: { "X-Api-Key": KEYS.header, Authorization: `Bearer ${KEYS.header}` } },
    },
    KEYS.header,
  ],
];

describe("no API key or secret in any record", () => {
  for (const [label, fields, key] of MODELS) {
    it(`key passed as ${label}: absent from every byte logged at trace level with full content`, async () => {
      const capture = captureLogger("trace");
      const handler = new PinoCallbackHandler({
        logger: capture.logger,
        content: "full",
        levels: { token: "trace" },
        metadataKeys: ["ls_provider", "ls_model_name", "ls_model_type", "ls_temperature"],
      });
      const spy = new SerializedSpy();
      const callbacks = [handler, spy];
      server.clearRequests();
      server.setScript(undefined);
      const model = fakeChatOpenAI(server, fields);
      await model.invoke("invoke with a key", { callbacks });
      await drain(model.stream("stream with a key", { callbacks }));
      await promptChain(model).invoke({ question: "chain with a key" }, { callbacks });
      server.setScript({ status: 500, error: { message: "failure with a key" } });
      await expect(model.invoke("error with a key", { callbacks })).rejects.toThrow();
      server.setScript(weatherAgentScript());
      await weatherAgent(model).invoke({ messages: [{ role: "user", content: "Weather?" }] }, { callbacks });
      await awaitAllCallbacks();

      // The run really carried the key: in the HTTP request, and (except for a plain apiKey) in `serialized`.
      const sent = JSON.stringify(server.completions().map((request) => request.headers));
      expect(sent).toContain(key);
      if (label !== "apiKey") expect(spy.seen.join("\n")).toContain(key);

      const logged = capture.lines.join("");
      expect(capture.lines.length).toBeGreaterThan(40);
      expect(logged).toContain("chain with a key");
      expect(logged).not.toContain(key);
      expect(logged).not.toContain(key.slice(3, 20));
      expect(logged).not.toMatch(/sk-[a-z-]+KEY/);
    });
  }

  it("credential-looking keys inside inputs and outputs are redacted", async () => {
    const capture = captureLogger("trace");
    const handler = new PinoCallbackHandler({ logger: capture.logger, content: "full" });
    callbacks(handler).handleChainStart(
      { lc: 1, type: "constructor", id: ["x", "Chain"], kwargs: { apiKey: "sk-in-serialized" } },
      {
        question: "q",
        options: { apiKey: "sk-in-inputs", headers: { Authorization: "Bearer sk-in-header" } },
      },
      "run-1",
    );
    const [record] = capture.events("chain.start");
    expect(record?.input).toEqual({
      question: "q",
      options: { apiKey: "[Redacted]", headers: { Authorization: "[Redacted]" } },
    });
    expect(capture.lines.join("")).not.toMatch(/sk-in-/);
  });
});
