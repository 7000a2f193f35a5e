import { request } from "node:http";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { AIMessageChunk } from "@langchain/core/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  captureConsole,
  EventRecorder,
  type FakeOpenAI,
  fakeChatOpenAI,
  splitIntoChunks,
  startFakeOpenAI,
  TEST_API_KEY,
} from "../src/index.js";
import { countTokens, loadEncoder } from "../src/tokens.js";

let server: FakeOpenAI;

beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setScript(undefined);
  server.clearRequests();
});

async function streamAll(
  pending: Promise<AsyncIterable<AIMessageChunk>>,
): Promise<{ text: string; last: AIMessageChunk | undefined; chunks: AIMessageChunk[] }> {
  const chunks: AIMessageChunk[] = [];
  let aggregate: AIMessageChunk | undefined;
  for await (const chunk of await pending) {
    chunks.push(chunk);
    aggregate = aggregate ? aggregate.concat(chunk) : chunk;
  }
  return { text: chunks.map((chunk) => String(chunk.content)).join(""), last: aggregate, chunks };
}

function rawPost(path: string, body: string): Promise<{ status: number; json: unknown }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("startFakeOpenAI", () => {
  it("binds 127.0.0.1 on a free port", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseURL).toBe(`${server.url}/v1`);
  });

  it("answers a non-streaming call with the echo reply and usage, and records the request", async () => {
    const message = await fakeChatOpenAI(server).invoke("hello there");
    expect(message.content).toBe("You said: hello there");
    // o200k_base, as the API counts: 3 per message + "user" (1) + "hello there" (2) + 3 to prime the reply = 9;
    // "You said: hello there" = 5.
    expect(message.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 5, total_tokens: 14 });
    expect(message.response_metadata.model_name).toBe("gpt-4o-mini");
    const [recorded] = server.completions();
    expect(recorded?.stream).toBe(false);
    expect(recorded?.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(recorded?.body?.messages?.[0]).toMatchObject({ role: "user", content: "hello there" });
  });

  it("streams SSE chunks that join to the content, with usage including cached, cache-write and reasoning tokens", async () => {
    server.setScript({
      content: "streamed answer here",
      model: "gpt-4o-mini-2024-07-18",
      usage: {
        promptTokens: 100,
        completionTokens: 30,
        cachedTokens: 60,
        cacheWriteTokens: 10,
        reasoningTokens: 12,
      },
    });
    const { text, last, chunks } = await streamAll(fakeChatOpenAI(server).stream("go"));
    expect(text).toBe("streamed answer here");
    expect(chunks.filter((chunk) => chunk.content !== "").map((chunk) => chunk.content)).toEqual(
      splitIntoChunks("streamed answer here"),
    );
    expect(last?.usage_metadata).toMatchObject({
      input_tokens: 100,
      output_tokens: 30,
      total_tokens: 130,
      input_token_details: { cache_read: 60, cache_creation: 10 },
      output_token_details: { reasoning: 12 },
    });
    expect(last?.response_metadata.model_name).toBe("gpt-4o-mini-2024-07-18");
    expect(server.completions()[0]?.body?.stream_options).toEqual({ include_usage: true });
  });

  it("reports no usage when scripted with usage: null", async () => {
    server.setScript({ content: "no usage", usage: null });
    const { last } = await streamAll(fakeChatOpenAI(server).stream("go"));
    expect(last?.usage_metadata).toBeUndefined();
  });

  it("streams tool calls as argument chunks with empty tokens, and returns them whole without streaming", async () => {
    server.setScript({ toolCalls: [{ id: "call_a", name: "get_weather", args: { city: "Paris" } }] });
    const recorder = new EventRecorder();
    const { last } = await streamAll(fakeChatOpenAI(server).stream("weather?", { callbacks: [recorder] }));
    await awaitAllCallbacks();
    expect(last?.tool_calls).toEqual([
      { id: "call_a", name: "get_weather", args: { city: "Paris" }, type: "tool_call" },
    ]);
    expect(recorder.tokens().every((token) => token === "")).toBe(true);
    const withDeltas = recorder.of("handleLLMNewToken").filter((event) => {
      const fields = event.args[5] as { chunk?: { message?: { tool_call_chunks?: unknown[] } } };
      return (fields.chunk?.message?.tool_call_chunks?.length ?? 0) > 0;
    });
    expect(withDeltas.length).toBeGreaterThanOrEqual(2);

    server.setScript({ toolCalls: [{ name: "get_weather", args: { city: "Oslo" } }] });
    const message = await fakeChatOpenAI(server).invoke("weather?");
    expect(message.tool_calls?.[0]).toMatchObject({
      id: "call_1",
      name: "get_weather",
      args: { city: "Oslo" },
    });
    expect(message.response_metadata.finish_reason).toBe("tool_calls");
  });

  it("streams reasoning as reasoning_content deltas", async () => {
    server.setScript({ reasoning: "think first", content: "answer" });
    const { last, text } = await streamAll(fakeChatOpenAI(server).stream("why?"));
    expect(text).toBe("answer");
    expect(last?.additional_kwargs.reasoning_content).toBe("think first");
  });

  it("serves a queue of replies in order, then the default", async () => {
    server.setScript([{ content: "first" }, { content: "second" }]);
    const model = fakeChatOpenAI(server);
    expect((await model.invoke("a")).content).toBe("first");
    expect((await model.invoke("b")).content).toBe("second");
    expect((await model.invoke("c")).content).toBe("You said: c");
  });

  it("answers scripted errors with status, OpenAI error body and retry-after; ChatOpenAI retries them", async () => {
    server.setScript({
      status: 429,
      retryAfter: 1,
      retryAfterMs: 5,
      error: { message: "slow down", code: "rate_limit_exceeded" },
    });
    const error = (await fakeChatOpenAI(server, { maxRetries: 2 })
      .invoke("hi")
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )) as { status?: number; message: string; lc_error_code?: string };
    expect(error.status).toBe(429);
    expect(error.message).toContain("slow down");
    expect(error.lc_error_code).toBe("MODEL_RATE_LIMIT");
    expect(server.completions()).toHaveLength(3);
    expect(server.requests.length).toBe(3);
  });

  it("delays the first byte, so an abort signal cuts the call short", async () => {
    server.setScript({ delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(fakeChatOpenAI(server).invoke("slow", { signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
  });

  it("stalls a stream after N chunks until the client gives up", async () => {
    server.setScript({ content: "a b c d e f", stallAfterChunks: 3 });
    const recorder = new EventRecorder();
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = (async () => {
      for await (const chunk of await fakeChatOpenAI(server).stream("x", {
        signal: controller.signal,
        callbacks: [recorder],
      })) {
        seen.push(String(chunk.content));
        if (seen.length === 3) setTimeout(() => controller.abort(), 20);
      }
    })();
    await expect(consume).rejects.toThrow(/abort/i);
    expect(seen.join("")).toBe("a b");
  });

  it("drops the connection mid-stream and before any byte", async () => {
    server.setScript({ content: "a b c d e f", dropAfterChunks: 3 });
    await expect(streamAll(fakeChatOpenAI(server).stream("x"))).rejects.toThrow();
    server.setScript({ dropAfterChunks: 0 });
    await expect(fakeChatOpenAI(server).invoke("x")).rejects.toThrow();
  });

  it("can send a malformed event", async () => {
    server.setScript({ content: "a b", malformedChunk: true });
    // The OpenAI SDK prints the bad event before it throws: captured and asserted, not left on the console.
    const output = captureConsole();
    try {
      await expect(streamAll(fakeChatOpenAI(server).stream("x"))).rejects.toThrow();
    } finally {
      output.restore();
    }
    expect(output.text()).toMatch(/Could not parse message into JSON:\nerror: From chunk:/);
  });

  it("answers malformed JSON with a 400 and keeps serving", async () => {
    const bad = await rawPost("/v1/chat/completions", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { type: "invalid_request_error" } });
    const noMessages = await rawPost("/v1/chat/completions", JSON.stringify({ model: "x" }));
    expect(noMessages.status).toBe(400);
    const array = await rawPost("/v1/chat/completions", "[1,2]");
    expect(array.status).toBe(400);
    expect((await fakeChatOpenAI(server).invoke("still up?")).content).toBe("You said: still up?");
  });

  it("answers unknown paths with 404", async () => {
    const missing = await rawPost("/v1/embeddings", "{}");
    expect(missing.status).toBe(404);
  });

  it("closes with a stream still stalled", async () => {
    const own = await startFakeOpenAI({ content: "a b c", stallAfterChunks: 1 });
    const pending = streamAll(fakeChatOpenAI(own).stream("x"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await own.close();
    await expect(pending).rejects.toThrow();
  });
});

describe("splitIntoChunks", () => {
  it("keeps the whitespace so the chunks join back to the text", () => {
    for (const text of ["", "one", " lead", "two words", "trail ", "a  b\n c\t"]) {
      expect(splitIntoChunks(text).join("")).toBe(text);
    }
  });
});

describe("startFakeOpenAI usage counting and pace", () => {
  it("counts tokens of the text it receives and sends, system prompt and tool calls included", async () => {
    server.setScript({ toolCalls: [{ name: "get_weather", args: { city: "Paris" } }] });
    const long = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    const message = await fakeChatOpenAI(server).invoke([
      { role: "system", content: long },
      { role: "user", content: "hello there" },
    ]);
    // 9 for the user message alone (see above) + 3 + "system" (1) + the system text.
    const { Tiktoken } = await import("js-tiktoken/lite");
    const { default: ranks } = await import("js-tiktoken/ranks/o200k_base");
    const encoding = new Tiktoken(ranks);
    expect(message.usage_metadata?.input_tokens).toBe(9 + 3 + 1 + encoding.encode(long).length);
    expect(message.usage_metadata?.output_tokens).toBe(
      encoding.encode("get_weather").length + encoding.encode('{"city":"Paris"}').length,
    );
  });

  it("keeps the earlier word estimate behind tokenCounting: 'words'", async () => {
    const own = await startFakeOpenAI(undefined, { tokenCounting: "words" });
    try {
      const message = await fakeChatOpenAI(own).invoke("hello there");
      expect(message.usage_metadata).toMatchObject({ input_tokens: 5, output_tokens: 4, total_tokens: 9 });
    } finally {
      await own.close();
    }
  });

  it("streams at tokensPerSecond, and as fast as possible by default", async () => {
    const content = "one two three four five six seven eight nine ten";
    const paced = await startFakeOpenAI({ content }, { tokensPerSecond: 100 });
    try {
      const started = performance.now();
      const { text } = await streamAll(fakeChatOpenAI(paced).stream("x"));
      const elapsed = performance.now() - started;
      expect(text).toBe(content);
      // Ten one-token chunks at 100 tokens/s: nine waits of 10 ms after the first content chunk, at the least.
      expect(elapsed).toBeGreaterThanOrEqual(90);
    } finally {
      await paced.close();
    }
    // A scripted chunkDelayMs wins over the pace.
    const scripted = await startFakeOpenAI({ content, chunkDelayMs: 0 }, { tokensPerSecond: 1 });
    try {
      expect((await streamAll(fakeChatOpenAI(scripted).stream("x"))).text).toBe(content);
    } finally {
      await scripted.close();
    }
  });

  it("refuses unknown keys in its options and in scripted replies, naming the key and the closest one", async () => {
    await expect(startFakeOpenAI(undefined, { tokensPerSec: 60 } as never)).rejects.toThrow(
      /unknown option "tokensPerSec" \(did you mean "tokensPerSecond"\?\)\. Known options: tokensPerSecond, tokenCounting/,
    );
    await expect(startFakeOpenAI({ delayMS: 10 } as never)).rejects.toThrow(
      /startFakeOpenAI reply: unknown option "delayMS" \(did you mean "delayMs"\?\)/,
    );
    await expect(startFakeOpenAI({ usage: { promtTokens: 1 } } as never)).rejects.toThrow(
      /reply\.usage: unknown option "promtTokens" \(did you mean "promptTokens"\?\)/,
    );
    await expect(startFakeOpenAI(undefined, { tokensPerSecond: -1 })).rejects.toThrow(TypeError);
    expect(() => server.setScript([{ content: "ok" }, { contnet: "typo" } as never])).toThrow(/"contnet"/);
    // From a script function the typo reaches the client as a 500 that names it.
    server.setScript(() => ({ chunkDelay: 5 }) as never);
    await expect(fakeChatOpenAI(server).invoke("x")).rejects.toThrow(/unknown option "chunkDelay"/);
  });
});

describe("the token counter", () => {
  it("agrees with js-tiktoken's own o200k_base encoder", async () => {
    const { Tiktoken } = await import("js-tiktoken/lite");
    const { default: ranks } = await import("js-tiktoken/ranks/o200k_base");
    const reference = new Tiktoken(ranks);
    const encoding = await loadEncoder();
    for (const text of [
      "hello there",
      "The quick brown fox jumps over the lazy dog.",
      "Grüße aus Köln — ça va? 東京は晴れ、21°C 🌤️ naïve café",
      'function add(a, b) {\n  return a + b; // sum\n}\n\n{"city":"Paris","days":[1,2,3]}',
      "  leading and trailing spaces  \n\n\t tabs",
      "I'm ann.lee@example.com, call me on +44 20 7946 0958.",
    ]) {
      expect(countTokens(encoding, text), text).toBe(reference.encode(text).length);
    }
  });
});

describe("startFakeOpenAI with long unbroken text", () => {
  it("counts a 20,000-character run and a 10 MB prompt without stalling (the merge is quadratic in one long piece)", async () => {
    const run = "y".repeat(20_000);
    server.setScript({ content: `start ${run} end` });
    const message = await fakeChatOpenAI(server).invoke(run);
    // About four characters a token either way; exact counting would take minutes here.
    expect(message.usage_metadata?.input_tokens).toBeGreaterThan(20_000 / 8);
    expect(message.usage_metadata?.input_tokens).toBeLessThan(20_000 / 2);
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(20_000 / 8);
    server.setScript({ content: "ok" });
    const huge = "x".repeat(10 * 1024 * 1024);
    const hugeMessage = await fakeChatOpenAI(server).invoke(huge);
    expect(hugeMessage.usage_metadata?.input_tokens).toBeGreaterThan(huge.length / 8);
    expect(hugeMessage.usage_metadata?.input_tokens).toBeLessThan(huge.length / 2);
  });
});
