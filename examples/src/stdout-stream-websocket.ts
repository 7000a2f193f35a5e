/**
 * Streams an agent's answers to a browser over one WebSocket (the `ws` package). `GET /` serves a small page (no
 * framework) with two conversations side by side sharing the socket. The page sends
 * `{ "conversation": "left", "question": "…", "redact": false }`; the server answers `{ "event": "accepted",
 * "conversation", "runId" }` and runs the agent with that root run id, so the page tells the two apart by the
 * `traceId` of progress events and the `runId` of tokens. One StdoutStreamCallbackHandler per socket sends one JSON
 * message per event; a client that goes away aborts its runs (`handler.signal`).
 *
 *   npx tsx examples/src/stdout-stream-websocket.ts --serve   # then open the printed URL
 *   npx tsx examples/src/stdout-stream-websocket.ts           # one question from a Node client, printed, then exit
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HandlerErrorReporter } from "@chainwatch/core";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { WebSocket, WebSocketServer } from "ws";
import { exampleModel, runIfMain } from "./setup.js";
import { pageAgent, pageHandler, weatherScript } from "./stream-ui-agent.js";

const PAGE = new URL("../public/stdout-stream-websocket.html", import.meta.url);

/** A running example server. */
export interface WebSocketExampleServer {
  url: string;
  /** Runs in progress (a page reloaded mid-run must bring this back to 0). */
  inFlight: () => number;
  close: () => Promise<void>;
}

interface Question {
  conversation: string;
  question: string;
  redact?: boolean;
}

function parseQuestion(data: unknown): Question | undefined {
  try {
    const value = JSON.parse(String(data)) as Partial<Question>;
    if (typeof value.conversation === "string" && typeof value.question === "string")
      return value as Question;
  } catch {
    // Not JSON: ignored, like any message that is not a question.
  }
  return undefined;
}

/** Starts the example server on 127.0.0.1 (port 0 picks a free port). */
export async function startWebSocketServer(model: BaseChatModel, port = 0): Promise<WebSocketExampleServer> {
  const page = await readFile(PAGE, "utf8");
  const agent = pageAgent(model);
  let inFlight = 0;
  // Pages that went away with a run in progress (the handler reports each socket once, as `socket`).
  let leftMidRun = 0;
  const onHandlerError: HandlerErrorReporter = (error, context) => {
    if (context.method === "socket") leftMidRun++;
    else process.stderr.write(`stdout_stream ${context.method}: ${String(error)}\n`);
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
    } else if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, inFlight, leftMidRun }));
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  const wss = new WebSocketServer({ server, path: "/ws", maxPayload: 64 * 1024 });
  wss.on("connection", (socket: WebSocket) => {
    // One handler per socket, two handlers when the page asks for redaction (each run picks one).
    const plain = pageHandler({ socket, onHandlerError }, false);
    const redacting = pageHandler({ socket, onHandlerError }, true);
    socket.on("message", (data) => {
      const question = parseQuestion(data);
      if (question === undefined || socket.readyState !== WebSocket.OPEN) return;
      const runId = randomUUID();
      socket.send(JSON.stringify({ event: "accepted", conversation: question.conversation, runId }));
      const { handler, callback } = question.redact ? redacting : plain;
      inFlight++;
      agent
        .invoke(
          { messages: [{ role: "user", content: question.question }] },
          { callbacks: [callback], runId, signal: handler.signal },
        )
        .catch(() => {
          // Sent to the page as `error` and `run-error` events (or the page is gone).
        })
        .finally(() => {
          inFlight--;
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    inFlight: () => inFlight,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

export async function main(): Promise<void> {
  const serve = process.argv.includes("--serve");
  const { model, close } = await exampleModel(weatherScript(serve ? 60 : 5));
  const server = await startWebSocketServer(model, serve ? 8788 : 0);
  if (serve) {
    process.stdout.write(`Open ${server.url}/ (Ctrl-C to stop)\n`);
    process.once("SIGINT", () => void server.close().then(close));
    return;
  }
  const client = new WebSocket(`${server.url.replace("http", "ws")}/ws`);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("error", reject);
      client.on("message", (data) => {
        process.stdout.write(`${String(data)}\n`);
        if ((JSON.parse(String(data)) as { event?: string }).event === "run-end") resolve();
      });
      client.once("open", () =>
        client.send(JSON.stringify({ conversation: "cli", question: "What is the weather in Oslo?" })),
      );
    });
  } finally {
    client.close();
    await server.close();
    await close();
  }
}

runIfMain(import.meta.url, main);
