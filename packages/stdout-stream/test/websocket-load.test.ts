import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fakeChatOpenAI, lastUserMessage } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { useFakeServer } from "./helpers.js";

const CLIENTS = 1_000;
const WORDS = 12;

const { server } = useFakeServer((request) => {
  const question = lastUserMessage(request);
  return { content: `${question}${Array.from({ length: WORDS }, (_, i) => ` w${i}`).join("")}` };
});

setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

interface Client {
  id: string;
  tokens: Map<string, string[]>;
  ended: Promise<void>;
  socket: WebSocket;
}

/** Opens `count` clients; each asks its own question and resolves once its run-end arrives. */
async function clients(url: string, count: number, offset: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const id = `client-${offset + index}`;
      const socket = new WebSocket(url);
      const tokens = new Map<string, string[]>();
      const ended = new Promise<void>((resolve, reject) => {
        socket.on("error", reject);
        socket.on("message", (data) => {
          const message = JSON.parse(String(data)) as { event: string; runId: string; text?: string };
          if (message.event === "token") {
            const list = tokens.get(message.runId) ?? [];
            list.push(message.text ?? "");
            tokens.set(message.runId, list);
          } else if (message.event === "run-end") resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      socket.send(id);
      return { id, tokens, ended, socket };
    }),
  );
}

async function closeAll(list: Client[]): Promise<void> {
  await Promise.all(
    list.map(
      (client) =>
        new Promise<void>((resolve) => {
          client.socket.once("close", () => resolve());
          client.socket.close();
        }),
    ),
  );
}

describe("WebSocket under load", () => {
  it(`${CLIENTS} concurrent clients on loopback, one run each: each gets its own tokens exactly once, in order; the heap returns`, async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, backlog: 2_048 });
    const model = fakeChatOpenAI(server(), { maxRetries: 0 });
    let failures = 0;
    wss.on("connection", (socket) => {
      const handler = new StdoutStreamCallbackHandler({
        socket,
        errorOutput: false,
        onHandlerError: () => failures++,
      });
      socket.once("message", (data) => {
        void model
          .invoke(String(data), { callbacks: [handler], signal: handler.signal })
          .catch(() => failures++);
      });
    });
    await new Promise<void>((resolve) => wss.once("listening", resolve));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    try {
      // A first round of the same size, so that the baseline includes what the process keeps at this
      // concurrency whatever the handler does (the HTTP client's pool of keep-alive connections to the model
      // server, buffer pools, JIT code).
      await oneRound(url);
      await awaitAllCallbacks();
      server().clearRequests();
      const before = heapAfterGc();

      await oneRound(url);
      await awaitAllCallbacks();
      // The fake server keeps a record of the requests it got: not the server's memory under test.
      server().clearRequests();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = heapAfterGc();
      expect(failures).toBe(0);
      // Everything a client cost is gone with it (a leak of even 2 KB per client would show as 2 MB).
      expect((after - before) / 1_048_576).toBeLessThan(2);
    } finally {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  }, 120_000);
});

/** The 1,000 clients, checked, then closed; nothing of them is kept once it returns. */
async function oneRound(url: string): Promise<void> {
  const all = await clients(url, CLIENTS, 0);
  await Promise.all(all.map((client) => client.ended));
  for (const client of all) {
    // One run, its tokens exactly once and in order: they rebuild the one answer the server sent.
    expect(client.tokens.size).toBe(1);
    const [tokens = []] = [...client.tokens.values()];
    const expected = `${client.id}${Array.from({ length: WORDS }, (_, i) => ` w${i}`).join("")}`;
    expect(tokens.join("")).toBe(expected);
    expect(tokens).toHaveLength(WORDS + 1);
  }
  await closeAll(all);
}
