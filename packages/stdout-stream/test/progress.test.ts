import { fakeChatOpenAI, retrievalChain, weatherAgent, weatherAgentScript } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { CaptureStream, nullStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

async function agentOutput(options: StdoutStreamOptions): Promise<string> {
  server().setScript(weatherAgentScript("Oslo"));
  const stream = new CaptureStream();
  const handler = new StdoutStreamCallbackHandler({ stream, errorOutput: nullStream(), ...options });
  await weatherAgent(fakeChatOpenAI(server())).invoke(
    { messages: [{ role: "user", content: "Weather in Oslo?" }] },
    { callbacks: [handler] },
  );
  await awaitAllCallbacks();
  expect(handler.activeRunCount).toBe(0);
  return stream.text;
}

function events(ndjson: string): Record<string, unknown>[] {
  return ndjson
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("progress events", () => {
  it("off by default in text; on, a person reads which tool is being called", async () => {
    expect(await agentOutput({})).toBe("The weather in Oslo is sunny, 21°C.\n");
    const text = await agentOutput({ progress: true });
    expect(text).toContain("▸ calling get_weather\n");
    expect(text).toMatch(/◂ get_weather done \(\d+ ms\)\n/);
    expect(text).toMatch(/The weather in Oslo is sunny, 21°C\.\n■ done \(\d+ ms\), \d+ tokens\n$/);
  });

  it("each kind is switchable; tool input only when asked for", async () => {
    const noTools = events(await agentOutput({ format: "ndjson", progress: { tool: false } }));
    expect(noTools.map((e) => e.event)).not.toContain("tool-start");
    expect(noTools.map((e) => e.event)).toContain("run-end");
    const withInput = events(await agentOutput({ format: "ndjson", progress: { toolInput: true } }));
    expect(withInput.find((e) => e.event === "tool-start")).toMatchObject({
      name: "get_weather",
      input: expect.stringContaining("Oslo"),
    });
    const none = events(await agentOutput({ format: "ndjson", progress: false }));
    expect(new Set(none.map((e) => e.event))).toEqual(new Set(["token", "end"]));
  });

  it("a retriever reports its document count, never the documents", async () => {
    server().setScript({ content: "From the docs." });
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, format: "ndjson" });
    await retrievalChain(fakeChatOpenAI(server())).invoke(
      { question: "What is chainwatch?" },
      { callbacks: [handler] },
    );
    await awaitAllCallbacks();
    const list = events(stream.text);
    const end = list.find((e) => e.event === "retriever-end");
    expect(end).toMatchObject({ event: "retriever-end", failed: false, documents: expect.any(Number) });
    expect(end?.documents).toBeGreaterThan(0);
    expect(Object.keys(end ?? {}).sort()).toEqual([
      "documents",
      "durationMs",
      "event",
      "failed",
      "name",
      "runId",
      "traceId",
    ]);
    expect(list.map((e) => e.event).slice(0, 2)).toEqual(["run-start", "retriever-start"]);
    expect(list.at(-1)?.event).toBe("run-end");
  });

  it("a failed run ends with run-error and its error type, not its message", async () => {
    server().setScript({ status: 500, error: { message: "secret internal detail" } });
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, format: "sse", errorOutput: false });
    await expect(
      fakeChatOpenAI(server(), { maxRetries: 0 }).invoke("fail", { callbacks: [handler] }),
    ).rejects.toThrow();
    await awaitAllCallbacks();
    const last = stream.text.trim().split("\n\n").at(-1) ?? "";
    expect(last).toMatch(/^event: run-error\ndata: \{.*"errorType":"[A-Za-z_]+"/);
    expect(last).not.toContain("secret internal detail");
  });
});
