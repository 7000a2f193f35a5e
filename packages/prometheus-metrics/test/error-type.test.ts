import { createServer, type Server } from "node:net";
import { fakeChatOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { errorType, PrometheusCallbackHandler } from "../src/index.js";
import { samples } from "./helpers.js";

const DURATION = "gen_ai_client_operation_duration_seconds";

/** A TCP server on 127.0.0.1 that does `onSocket` with every connection. */
async function tcpServer(onSocket: (socket: import("node:net").Socket) => void): Promise<Server> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("server has no port");
  return address.port;
}

const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The error_type labels the handler recorded for one ChatOpenAI call against `baseURL`. */
async function errorTypesOfCall(baseURL: string): Promise<string[]> {
  const registry = new Registry();
  const handler = new PrometheusCallbackHandler({ registry });
  await expect(fakeChatOpenAI({ baseURL }).invoke("hi", { callbacks: [handler] })).rejects.toThrow();
  await awaitAllCallbacks();
  return (await samples(registry, DURATION, `${DURATION}_count`)).map((sample) =>
    String(sample.labels.error_type),
  );
}

describe("error_type of connection failures (the cause chain is followed)", () => {
  it("a refused connection (a closed port) is `connection`", async () => {
    const server = await tcpServer(() => {});
    const port = portOf(server);
    await new Promise((resolve) => server.close(resolve));
    expect(await errorTypesOfCall(`http://127.0.0.1:${port}/v1`)).toEqual(["connection"]);
  });

  it("a server that closes the socket under the request (undici's 'other side closed') is `connection`", async () => {
    const server = await tcpServer((socket) => socket.once("data", () => socket.destroy()));
    open.push(server);
    expect(await errorTypesOfCall(`http://127.0.0.1:${portOf(server)}/v1`)).toEqual(["connection"]);
  });

  it("a reset connection (ECONNRESET) is `connection`", async () => {
    const server = await tcpServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
    open.push(server);
    expect(await errorTypesOfCall(`http://127.0.0.1:${portOf(server)}/v1`)).toEqual(["connection"]);
  });
});

describe("errorType()", () => {
  const wrap = (cause: unknown) => {
    const inner = new TypeError("fetch failed", { cause });
    const outer = new Error("Connection error.", { cause: inner });
    return outer;
  };

  it("follows the chain to a code: ENOTFOUND, timeouts and aborts", () => {
    expect(errorType(wrap(Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" })))).toBe(
      "connection",
    );
    expect(errorType(wrap(Object.assign(new Error("t"), { code: "UND_ERR_HEADERS_TIMEOUT" })))).toBe(
      "timeout",
    );
    expect(errorType(wrap(Object.assign(new Error("t"), { code: "ETIMEDOUT" })))).toBe("timeout");
    expect(errorType(wrap(new DOMException("This operation was aborted", "AbortError")))).toBe("cancelled");
  });

  it("prefers the HTTP status and LangChain's code over the chain", () => {
    const rateLimited = Object.assign(new Error("429"), { status: 429, cause: { code: "ECONNRESET" } });
    expect(errorType(rateLimited)).toBe("rate_limit");
    expect(errorType(Object.assign(new Error("x"), { lc_error_code: "MODEL_AUTHENTICATION" }))).toBe(
      "authentication",
    );
  });

  it("stops on a cyclic or very deep chain, and on throwing getters", () => {
    const a: Record<string, unknown> = { name: "Error" };
    a.cause = a;
    expect(errorType(a)).toBe("_OTHER");
    let deep: Record<string, unknown> = { code: "ECONNREFUSED" };
    for (let i = 0; i < 10; i++) deep = { name: "Error", cause: deep };
    expect(errorType(deep)).toBe("_OTHER");
    const hostile = Object.defineProperty({}, "code", {
      get() {
        throw new Error("getter");
      },
    });
    expect(errorType(hostile)).toBe("_OTHER");
    expect(errorType("a string")).toBe("_OTHER");
  });
});
