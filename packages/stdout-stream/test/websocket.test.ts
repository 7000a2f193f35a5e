import type { AddressInfo } from "node:net";
import {
  fakeChatOpenAI,
  InProcessChatModel,
  lastUserMessage,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

interface Message {
  event: string;
  runId: string;
  traceId?: string;
  text?: string;
  name?: string;
  [field: string]: unknown;
}

/** A `ws` server on loopback whose connection handler is the test's, and a client that records every message. */
async function connect(
  onConnection: (socket: WebSocket) => void,
): Promise<{ client: WebSocket; messages: Message[]; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", onConnection);
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const { port } = wss.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const messages: Message[] = [];
  client.on("message", (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  });
  return {
    client,
    messages,
    close: async () => {
      client.terminate();
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs the weather agent with a handler on a server-side socket; returns the client's messages. */
async function agentOverSocket(options: Omit<StdoutStreamOptions, "socket"> = {}): Promise<Message[]> {
  server().setScript(weatherAgentScript("Paris"));
  let done = false;
  const connection = await connect((socket) => {
    const handler = new StdoutStreamCallbackHandler({ socket, errorOutput: false, ...options });
    void weatherAgent(fakeChatOpenAI(server()))
      .invoke({ messages: [{ role: "user", content: "Weather in Paris?" }] }, { callbacks: [handler] })
      .then(async () => {
        await awaitAllCallbacks();
        await handler.flush();
        done = true;
      });
  });
  cleanups.push(connection.close);
  await until(() => done && connection.messages.some((m) => m.event === "run-end"));
  return connection.messages;
}

describe("WebSocket transport", () => {
  it("one JSON message per event: progress, then the answer's tokens, then end and run-end", async () => {
    const messages = await agentOverSocket();
    const events = messages.map((m) => m.event);
    expect(events.filter((e) => e !== "token")).toEqual([
      "run-start",
      "model-start",
      "end",
      "tool-start",
      "tool-end",
      "model-start",
      "end",
      "run-end",
    ]);
    const toolStart = messages.find((m) => m.event === "tool-start");
    expect(toolStart).toMatchObject({ name: "get_weather" });
    // Names, not arguments, by default.
    expect(toolStart).not.toHaveProperty("input");
    const text = messages
      .filter((m) => m.event === "token")
      .map((m) => m.text)
      .join("");
    expect(text).toBe("The weather in Paris is sunny, 21°C.");
    const runEnd = messages.at(-1);
    expect(runEnd?.event).toBe("run-end");
    expect(runEnd?.runId).toBe(messages[0]?.runId);
    expect(runEnd?.usage).toMatchObject({
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
    });
    expect(runEnd?.durationMs).toBeGreaterThan(0);
    // Every progress event of the turn carries the root run's id.
    const progress = messages.filter((m) => m.traceId !== undefined);
    expect(progress).toHaveLength(6);
    expect(new Set(progress.map((m) => m.traceId))).toEqual(new Set([runEnd?.runId]));
  });

  it("the same events and fields as the ndjson format", async () => {
    const messages = await agentOverSocket();
    server().setScript(weatherAgentScript("Paris"));
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream, format: "ndjson", errorOutput: false });
    await weatherAgent(fakeChatOpenAI(server())).invoke(
      { messages: [{ role: "user", content: "Weather in Paris?" }] },
      { callbacks: [handler] },
    );
    await awaitAllCallbacks();
    const lines = stream.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Message);
    const shape = (list: Message[]): string[] =>
      list.map((m) => `${m.event}:${Object.keys(m).sort().join(",")}`);
    expect(shape(messages)).toEqual(shape(lines));
  });

  it("many runs over one socket are told apart by run id; exclusive sends one run's turn as a block", async () => {
    for (const concurrency of ["interleave", "exclusive"] as const) {
      server().setScript((request) => ({
        content: `Answer to ${lastUserMessage(request)} in several words`,
        chunkDelayMs: 2,
      }));
      let finished = 0;
      const connection = await connect((socket) => {
        const handler = new StdoutStreamCallbackHandler({ socket, concurrency, errorOutput: false });
        const model = fakeChatOpenAI(server());
        for (const question of ["q1", "q2", "q3"]) {
          void model.invoke(question, { callbacks: [handler] }).then(() => finished++);
        }
      });
      cleanups.push(connection.close);
      await until(
        () => finished === 3 && connection.messages.filter((m) => m.event === "run-end").length === 3,
      );
      const byRun = new Map<string, string>();
      for (const m of connection.messages) {
        if (m.event === "token") byRun.set(m.runId, (byRun.get(m.runId) ?? "") + m.text);
      }
      expect([...byRun.values()].sort()).toEqual(
        ["q1", "q2", "q3"].map((q) => `Answer to ${q} in several words`),
      );
      if (concurrency === "exclusive") {
        // Each run's messages are contiguous: the run id changes exactly twice over the whole conversation.
        const runs = connection.messages.map((m) => m.runId);
        const changes = runs.filter((id, i) => i > 0 && id !== runs[i - 1]).length;
        expect(changes).toBe(2);
      }
    }
  });

  it("a client that stops reading: the server's send buffer stays within maxQueuedChars, the rest is dropped and reported once", async () => {
    const failures: string[] = [];
    let handler: StdoutStreamCallbackHandler | undefined;
    let serverSocket: WebSocket | undefined;
    let done = false;
    const connection = await connect((socket) => {
      serverSocket = socket;
      handler = new StdoutStreamCallbackHandler({
        socket,
        maxQueuedChars: 16 * 1024,
        onHandlerError: (_error, context) => failures.push(context.method),
      });
      void (async () => {
        for await (const _ of await new InProcessChatModel({ tokens: 20_000, token: "x".repeat(500) }).stream(
          "x",
          {
            callbacks: [handler as StdoutStreamCallbackHandler],
          },
        )) {
          // Drained to the end: the run is not slowed by the client.
        }
        await awaitAllCallbacks();
        done = true;
      })();
    });
    cleanups.push(connection.close);
    // The client reads nothing from now on: the kernel buffers fill, then ws buffers in process memory.
    connection.client.pause();
    await until(() => done, 20_000);
    expect(serverSocket?.bufferedAmount).toBeLessThanOrEqual(16 * 1024);
    expect(handler?.droppedChars).toBeGreaterThan(0);
    expect(failures).toEqual(["backpressure"]);
  });

  it("a socket that closes mid-run aborts the run's signal, stops the model call and is reported once", async () => {
    server().setScript({
      content: Array.from({ length: 400 }, (_, i) => `w${i}`).join(" "),
      chunkDelayMs: 5,
    });
    const failures: string[] = [];
    let outcome: unknown;
    let handler: StdoutStreamCallbackHandler | undefined;
    const connection = await connect((socket) => {
      handler = new StdoutStreamCallbackHandler({
        socket,
        errorOutput: false,
        onHandlerError: (error, context) => failures.push(`${context.method}: ${String(error)}`),
      });
      fakeChatOpenAI(server())
        .invoke("long", { callbacks: [handler], signal: handler.signal })
        .then(
          () => {
            outcome = "resolved";
          },
          (error: unknown) => {
            outcome = error;
          },
        );
    });
    cleanups.push(connection.close);
    await until(() => connection.messages.filter((m) => m.event === "token").length >= 3);
    connection.client.close();
    await until(() => outcome !== undefined);
    expect(String(outcome)).toMatch(/Abort/);
    await awaitAllCallbacks();
    expect(failures).toEqual([
      "socket: Error: the WebSocket closed with 1 model call(s) in progress: their output is dropped",
    ]);
    expect(handler?.activeRunCount).toBe(0);
    expect(connection.messages.filter((m) => m.event === "token").length).toBeLessThan(400);
  });

  it("options: socket and stream together, or a format, are refused", () => {
    const socket = { readyState: 1, bufferedAmount: 0, send() {}, on() {} };
    expect(() => new StdoutStreamCallbackHandler({ socket, stream: new CaptureStream() })).toThrow(
      /either stream or socket/,
    );
    expect(() => new StdoutStreamCallbackHandler({ socket, format: "sse" })).toThrow(/format does not apply/);
    expect(
      () => new StdoutStreamCallbackHandler({ socket: {} as unknown as WebSocket, errorOutput: false }),
    ).toThrow(/socket must be a WebSocket/);
  });
});
