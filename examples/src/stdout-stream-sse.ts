/**
 * Streams an agent's answer to a browser with Server-Sent Events. `GET /` serves a small page (no framework) with
 * two conversations side by side; each opens an EventSource on `GET /stream?q=…` (`&redact=1` to redact personal
 * data), where a StdoutStreamCallbackHandler with `format: "sse"` writes into the response: progress events while
 * the agent calls its tool, then the answer's tokens as they arrive.
 *
 *   npx tsx examples/src/stdout-stream-sse.ts --serve   # then open the printed URL
 *   npx tsx examples/src/stdout-stream-sse.ts           # one request from a Node client, printed, then exit
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SSE_HEADERS } from "@chainwatch/stdout-stream";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { exampleModel, runIfMain } from "./setup.js";
import { pageAgent, pageHandler, weatherScript } from "./stream-ui-agent.js";

const PAGE = new URL("../public/stdout-stream.html", import.meta.url);

/** A running example server. */
export interface SseServer {
  url: string;
  /** Runs in progress (a page reloaded mid-run must bring this back to 0). */
  inFlight: () => number;
  close: () => Promise<void>;
}

async function streamAnswer(
  agent: ReturnType<typeof pageAgent>,
  req: IncomingMessage,
  res: ServerResponse,
  counter: { inFlight: number },
): Promise<void> {
  const params = new URL(req.url ?? "/", "http://localhost").searchParams;
  const question = params.get("q") ?? "What is the weather in Paris?";
  res.writeHead(200, SSE_HEADERS);
  // One handler per response; awaitHandlers writes every token before invoke() resolves.
  const { handler, callback } = pageHandler(
    { stream: res, format: "sse", awaitHandlers: true },
    params.has("redact"),
  );
  counter.inFlight++;
  try {
    // handler.signal aborts when the browser goes away (a reload, a closed tab): the model call stops with it.
    await agent.invoke(
      { messages: [{ role: "user", content: question }] },
      { callbacks: [callback], signal: handler.signal },
    );
  } catch {
    // The handler has already sent `error` and `run-error` events; the response just ends.
  } finally {
    counter.inFlight--;
  }
  await handler.close();
  res.end();
}

/** Starts the example server on 127.0.0.1 (port 0 picks a free port). */
export async function startSseServer(model: BaseChatModel, port = 0): Promise<SseServer> {
  const page = await readFile(PAGE, "utf8");
  const agent = pageAgent(model);
  const counter = { inFlight: 0 };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
    } else if (req.method === "GET" && path === "/stream") {
      void streamAnswer(agent, req, res, counter);
    } else if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, inFlight: counter.inFlight }));
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    inFlight: () => counter.inFlight,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export async function main(): Promise<void> {
  const serve = process.argv.includes("--serve");
  const { model, close } = await exampleModel(weatherScript(serve ? 60 : 5));
  const server = await startSseServer(model, serve ? 8787 : 0);
  if (serve) {
    process.stdout.write(`Open ${server.url}/ (Ctrl-C to stop)\n`);
    process.once("SIGINT", () => void server.close().then(close));
    return;
  }
  try {
    // What the page's EventSource receives, read here by Node's fetch.
    const response = await fetch(
      `${server.url}/stream?q=${encodeURIComponent("What is the weather in Oslo?")}`,
    );
    process.stdout.write(`${response.headers.get("content-type")}\n`);
    process.stdout.write(await response.text());
  } finally {
    await server.close();
    await close();
  }
}

runIfMain(import.meta.url, main);
