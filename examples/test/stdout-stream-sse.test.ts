import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SseServer, startSseServer } from "../src/stdout-stream-sse.js";

interface SseEvent {
  event: string;
  data: string;
}

/** Reads an event stream the way EventSource does: blocks split on a blank line, `event:` and `data:` fields. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let boundary = buffer.indexOf("\n\n");
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      yield { event, data: data.join("\n") };
      boundary = buffer.indexOf("\n\n");
    }
  }
}

let fake: FakeOpenAI;
let app: SseServer;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  app = await startSseServer(fakeChatOpenAI(fake));
});

afterAll(async () => {
  await app.close();
  await fake.close();
});

describe("example: SSE endpoint and static page", () => {
  it("serves the page, which reads /stream with EventSource and renders progress, token and error events", async () => {
    const response = await fetch(`${app.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).toContain("new EventSource(`/stream?q=");
    for (const event of ["run-start", "tool-start", "tool-end", "token", "run-end"]) {
      expect(html).toContain(`on("${event}"`);
    }
    expect(html).toContain('addEventListener("error"');
  });

  it("streams an answer as Server-Sent Events that a real HTTP client reads token by token", async () => {
    fake.setScript({ content: "Tokens travel to the browser one by one.", chunkDelayMs: 2 });
    const response = await fetch(`${app.url}/stream?q=${encodeURIComponent("How do tokens travel?")}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    const events: SseEvent[] = [];
    for await (const event of readEvents(response.body as ReadableStream<Uint8Array>)) events.push(event);
    const tokens = events.filter((e) => e.event === "token").map((e) => JSON.parse(e.data).text as string);
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join("")).toBe("Tokens travel to the browser one by one.");
    expect(events.map((e) => e.event).filter((e) => e !== "token")).toEqual([
      "run-start",
      "model-start",
      "end",
      "run-end",
    ]);
    expect(JSON.parse(events.find((e) => e.event === "end")?.data ?? "{}")).toMatchObject({
      model: "gpt-4o-mini",
      finishReason: "stop",
    });
  });

  it("the first tokens reach the client while the model is still generating (it never finishes here)", async () => {
    fake.setScript({ content: "one two three four five six seven", stallAfterChunks: 4 });
    fake.clearRequests();
    const controller = new AbortController();
    const response = await fetch(`${app.url}/stream?q=stall`, { signal: controller.signal });
    const received: string[] = [];
    try {
      for await (const event of readEvents(response.body as ReadableStream<Uint8Array>)) {
        if (event.event !== "token") continue;
        received.push(JSON.parse(event.data).text);
        if (received.length === 3) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toBe("AbortError");
    }
    // The model never finished (it stalled), yet the client had the first three tokens.
    expect(received).toEqual(["one", " two", " three"]);
    expect(fake.completions()).toHaveLength(1);
  });

  it("a failing model call becomes an `error` event, and the response ends", async () => {
    fake.setScript({ status: 500, error: { message: "model unavailable" } });
    const response = await fetch(`${app.url}/stream?q=fail`);
    const events: SseEvent[] = [];
    for await (const event of readEvents(response.body as ReadableStream<Uint8Array>)) events.push(event);
    expect(events.map((e) => e.event)).toEqual(["run-start", "model-start", "error", "run-error"]);
    expect(JSON.parse(events[2]?.data ?? "{}").message).toBe("500 model unavailable");
  });
});
