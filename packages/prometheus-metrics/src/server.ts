import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { validateOptions } from "@chainwatch/core";
import { register as globalRegister, type Registry } from "prom-client";
import type { MetricsServer, MetricsServerOptions } from "./types.js";

/** A node:http `ServerResponse` or an express `res`. */
export interface NodeLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** A fastify `reply`. */
export interface ReplyLike {
  code(statusCode: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(payload: string): unknown;
}

/** Serves a registry's metrics on one request; resolves once the response is sent, never rejects. */
export type MetricsRequestHandler = (
  request: unknown,
  response: NodeLikeResponse | ReplyLike,
) => Promise<void>;

function isReply(response: NodeLikeResponse | ReplyLike): response is ReplyLike {
  return (
    typeof (response as ReplyLike).code === "function" && typeof (response as ReplyLike).send === "function"
  );
}

function respond(
  response: NodeLikeResponse | ReplyLike,
  status: number,
  contentType: string,
  body: string,
): void {
  if (isReply(response)) {
    response.code(status).header("Content-Type", contentType).send(body);
    return;
  }
  response.statusCode = status;
  response.setHeader("Content-Type", contentType);
  response.end(body);
}

/**
 * A request handler that answers with the registry's metrics in the Prometheus text format and the registry's
 * `Content-Type`, for an existing server. Mount it on the route you choose:
 *
 * - node:http: `if (req.url === "/metrics") return handler(req, res);`
 * - express: `app.get("/metrics", handler)`
 * - fastify: `app.get("/metrics", handler)` (it sends through `reply`)
 *
 * A failing collector answers 500 with a plain-text message; the handler itself never throws or rejects.
 */
export function metricsRequestHandler(registry: Registry = globalRegister): MetricsRequestHandler {
  return async (_request, response) => {
    let body: string;
    try {
      body = await registry.metrics();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      try {
        respond(response, 500, "text/plain; charset=utf-8", `# metrics collection failed: ${message}\n`);
      } catch {
        // The connection may already be gone; nothing left to tell.
      }
      return;
    }
    try {
      respond(response, 200, registry.contentType, body);
    } catch {
      // Same: a closed socket must not become an unhandled rejection.
    }
  };
}

function assertServerOptions(port: number, host: string, path: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`startMetricsServer: port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`startMetricsServer: host must be a non-empty string, got ${JSON.stringify(host)}`);
  }
  if (typeof path !== "string" || !path.startsWith("/") || path.includes("?") || path.includes("#")) {
    throw new TypeError(
      `startMetricsServer: path must start with "/" and have no query or fragment, got ${JSON.stringify(path)}`,
    );
  }
}

/**
 * Starts a node:http server answering `GET`/`HEAD` on `path` with the registry's metrics, 404 on every other
 * path and 405 on other methods. Binds loopback unless `host` says otherwise. Resolves once listening; rejects
 * if the port cannot be bound.
 *
 * @example
 * ```ts
 * const server = await startMetricsServer({ port: 9464 });
 * console.log(`scrape ${server.url}`);
 * // on shutdown:
 * await server.close();
 * ```
 */
export async function startMetricsServer(options: MetricsServerOptions = {}): Promise<MetricsServer> {
  validateOptions("startMetricsServer", options, { port: true, host: true, path: true, registry: true });
  const { port = 9464, host = "127.0.0.1", path = "/metrics", registry = globalRegister } = options;
  assertServerOptions(port, host, path);
  const handle = metricsRequestHandler(registry);
  const server = createServer((request, response) => {
    const raw = request.url ?? "";
    const query = raw.indexOf("?");
    const pathname = query === -1 ? raw : raw.slice(0, query);
    if (pathname !== path) {
      respond(response, 404, "text/plain; charset=utf-8", "Not Found\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      respond(response, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
      return;
    }
    void handle(request, response);
  });
  // Malformed requests get a 400 and a closed socket, never an exception out of the server.
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  // Errors after listening (rare: EMFILE on accept) are logged, not thrown into the app.
  server.on("error", (error) => {
    process.emitWarning(`metrics server error: ${error.message}`, { code: "CHAINWATCH_METRICS_SERVER" });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}${path}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
