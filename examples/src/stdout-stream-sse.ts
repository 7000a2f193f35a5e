/**
 * Streams an answer to a browser with Server-Sent Events: `GET /` serves a static page whose EventSource reads
 * `GET /stream?q=…`, where a StdoutStreamCallbackHandler with `format: "sse"` writes straight into the response.
 *
 *   npx tsx examples/src/stdout-stream-sse.ts --serve   # then open the printed URL
 *   npx tsx examples/src/stdout-stream-sse.ts           # one request from a Node client, printed, then exit
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SSE_HEADERS, StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { exampleModel, runIfMain } from "./setup.js";

const PAGE = new URL("../public/stdout-stream.html", import.meta.url);

/** A running example server. */
export interface SseServer {
  url: string;
  close: () => Promise<void>;
}

async function streamAnswer(model: BaseChatModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const question = new URL(req.url ?? "/", "http://localhost").searchParams.get("q") ?? "Hello!";
  res.writeHead(200, SSE_HEADERS);
  // A browser that goes away cancels the model call.
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  // One handler per response; awaitHandlers writes every token before invoke() resolves.
  const handler = new StdoutStreamCallbackHandler({ stream: res, format: "sse", awaitHandlers: true });
  try {
    await model.invoke(question, { callbacks: [handler], signal: abort.signal });
  } catch {
    // The handler has already sent an `error` event (and a line to stderr); the response just ends.
  }
  await handler.flush();
  res.end();
}

/** Starts the example server on 127.0.0.1 (port 0 picks a free port). */
export async function startSseServer(model: BaseChatModel, port = 0): Promise<SseServer> {
  const page = await readFile(PAGE, "utf8");
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
    } else if (req.method === "GET" && path === "/stream") {
      void streamAnswer(model, req, res);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export async function main(): Promise<void> {
  const { model, close } = await exampleModel({
    content: "Server-Sent Events carry each token to the page as soon as the model writes it.",
    chunkDelayMs: 10,
  });
  const server = await startSseServer(model, process.argv.includes("--serve") ? 8787 : 0);
  if (process.argv.includes("--serve")) {
    process.stdout.write(`Open ${server.url}/ (Ctrl-C to stop)\n`);
    process.once("SIGINT", () => void server.close().then(close));
    return;
  }
  try {
    // What the page's EventSource receives, read here by Node's fetch.
    const response = await fetch(`${server.url}/stream?q=${encodeURIComponent("What does SSE do?")}`);
    process.stdout.write(`${response.headers.get("content-type")}\n`);
    process.stdout.write(await response.text());
  } finally {
    await server.close();
    await close();
  }
}

runIfMain(import.meta.url, main);
