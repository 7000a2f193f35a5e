import { type FakeOpenAI, fakeChatOpenAI, promptChain, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { tool } from "@langchain/core/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { callbacks, captureLogger } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

function setup() {
  const capture = captureLogger("info");
  return { ...capture, handler: new PinoCallbackHandler({ logger: capture.logger }) };
}

describe("errors", () => {
  it("a 500 is one llm.error at level error with name, message, stack and HTTP status; the chain's error follows", async () => {
    server.setScript({ status: 500, error: { message: "upstream exploded" } });
    const { handler, events } = setup();
    await expect(
      promptChain(fakeChatOpenAI(server)).invoke({ question: "x" }, { callbacks: [handler] }),
    ).rejects.toThrow();
    await awaitAllCallbacks();
    const [llmError] = events("llm.error");
    expect(events("llm.error")).toHaveLength(1);
    expect(llmError).toMatchObject({ level: 50, run_type: "llm", model: "gpt-4o-mini", provider: "openai" });
    const err = llmError?.err as Record<string, unknown>;
    expect(err.status).toBe(500);
    expect(err.message).toContain("upstream exploded");
    expect(err.type).toBeTypeOf("string");
    expect(err.stack).toContain("upstream exploded");
    expect(llmError?.duration_ms).toBeTypeOf("number");
    const chainErrors = events("chain.error");
    expect(chainErrors.map((record) => record.depth)).toContain(0);
    expect(events("llm.end")).toHaveLength(0);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a 429 retried twice is logged once, with its final outcome", async () => {
    server.setScript({
      status: 429,
      error: { message: "slow down", code: "rate_limit_exceeded" },
      retryAfter: 0,
    });
    server.clearRequests();
    const { handler, events } = setup();
    await expect(
      fakeChatOpenAI(server, { maxRetries: 2 }).invoke("hi", { callbacks: [handler] }),
    ).rejects.toThrow();
    await awaitAllCallbacks();
    expect(server.completions()).toHaveLength(3);
    expect(events("llm.error")).toHaveLength(1);
    const err = events("llm.error")[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ status: 429, lc_error_code: "MODEL_RATE_LIMIT" });
  });

  it("a 429 that succeeds on retry is one llm.end and no error", async () => {
    server.setScript([{ status: 429, retryAfter: 0 }, { content: "made it" }]);
    server.clearRequests();
    const { handler, events } = setup();
    await fakeChatOpenAI(server, { maxRetries: 2 }).invoke("hi", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(server.completions()).toHaveLength(2);
    expect(events("llm.error")).toHaveLength(0);
    expect(events("llm.end").map((record) => record.output)).toEqual(["made it"]);
  });

  it("an aborted call is one llm.error", async () => {
    server.setScript({ delayMs: 2_000 });
    const { handler, events } = setup();
    const controller = new AbortController();
    const pending = fakeChatOpenAI(server).invoke("slow", {
      callbacks: [handler],
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toThrow(/abort/i);
    await awaitAllCallbacks();
    expect(events("llm.error")).toHaveLength(1);
    expect(JSON.stringify(events("llm.error")[0]?.err)).toMatch(/abort/i);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a throwing tool is a tool.error", async () => {
    const broken = tool(
      async () => {
        throw new Error("tool broke");
      },
      { name: "broken", description: "always fails", schema: { type: "object", properties: {} } },
    );
    const { handler, events } = setup();
    await expect(broken.invoke({}, { callbacks: [handler] })).rejects.toThrow("tool broke");
    await awaitAllCallbacks();
    expect(events("tool.error")[0]).toMatchObject({
      run_name: "broken",
      err: { message: "tool broke", type: "Error" },
    });
  });

  it("the err field keeps named fields only: no request headers an HTTP client error may carry", () => {
    const { handler, events } = setup();
    const error = Object.assign(new Error("request failed"), {
      status: 401,
      code: "invalid_api_key",
      config: { headers: { Authorization: "Bearer sk-should-not-appear" } },
      cause: new TypeError("socket hang up"),
    });
    callbacks(handler).handleChatModelStart({}, [[]], "run-x");
    callbacks(handler).handleLLMError(error, "run-x");
    const [record] = events("llm.error");
    expect(record?.err).toMatchObject({
      type: "Error",
      message: "request failed",
      status: 401,
      code: "invalid_api_key",
      cause: { type: "TypeError", message: "socket hang up" },
    });
    expect(JSON.stringify(record)).not.toContain("sk-should-not-appear");
  });
});
