/**
 * Walkthrough 7 — streaming tokens to a UI: an HTTP endpoint that forwards each token to the browser as a
 * Server-Sent Event, and a client reading the event stream (here, Node's fetch stands in for the browser).
 */
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { exampleModel, heading, runIfMain } from "./setup.js";

class SseTokens extends BaseCallbackHandler {
  name = "sse_tokens";
  lc_prefer_streaming = true;
  constructor(private readonly res: ServerResponse) {
    super();
  }
  override handleLLMNewToken(token: string) {
    if (token !== "" && !this.res.writableEnded)
      this.res.write(`event: token\ndata: ${JSON.stringify(token)}\n\n`);
  }
  override handleLLMEnd() {
    if (!this.res.writableEnded) this.res.end("event: end\ndata: {}\n\n");
  }
  override handleLLMError(error: Error) {
    if (!this.res.writableEnded) this.res.end(`event: error\ndata: ${JSON.stringify(error.message)}\n\n`);
  }
}

export async function main(): Promise<void> {
  heading("7. Streaming tokens to a UI (Server-Sent Events)");
  const { model, close } = await exampleModel({ content: "Tokens flow to the browser as they arrive." });
  const server = createServer((req, res) => {
    const question = new URL(req.url ?? "/", "http://localhost").searchParams.get("q") ?? "hello";
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    model.invoke(question, { callbacks: [new SseTokens(res)] }).catch(() => res.end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(
      `http://127.0.0.1:${port}/chat?q=${encodeURIComponent("How does SSE work?")}`,
    );
    const body = await response.text();
    const tokens = [...body.matchAll(/event: token\ndata: (.*)\n\n/g)].map(
      (match) => JSON.parse(match[1] ?? '""') as string,
    );
    process.stdout.write(`browser received ${tokens.length} token events: ${tokens.join("")}\n`);
    process.stdout.write(`stream ended cleanly: ${body.includes("event: end")}\n`);
  } finally {
    server.close();
    await close();
  }
}

runIfMain(import.meta.url, main);
