import { once } from "node:events";
import { createServer, request } from "node:http";
import { connect } from "node:net";
import express from "express";
import Fastify from "fastify";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  type MetricsServer,
  metricsRequestHandler,
  PrometheusCallbackHandler,
  startMetricsServer,
} from "../src/index.js";

const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

function rawRequest(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(payload));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
    });
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("startMetricsServer", () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("serves the registry on /metrics with the Prometheus content type, on loopback by default", async () => {
    const registry = new Registry();
    new PrometheusCallbackHandler({ registry });
    server = await startMetricsServer({ port: 0, registry });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(PROMETHEUS_TEXT);
    const body = await response.text();
    expect(body).toContain("# TYPE gen_ai_client_operation_duration_seconds histogram");
    const withQuery = await fetch(`${server.url}?debug=1`);
    expect(withQuery.status).toBe(200);
    await withQuery.text();
    const head = await fetch(server.url, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("answers 404 elsewhere and 405 for other methods", async () => {
    server = await startMetricsServer({ port: 0, registry: new Registry(), path: "/custom" });
    const base = server.url.replace("/custom", "");
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/custom/extra`)).status).toBe(404);
    const post = await fetch(server.url, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("survives malformed requests and keeps serving", async () => {
    const registry = new Registry();
    server = await startMetricsServer({ port: 0, registry });
    const reply = await rawRequest(server.port, "THIS IS NOT HTTP\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    await rawRequest(server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    await rawRequest(server.port, `GET /${"%".repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect((await fetch(server.url)).status).toBe(200);
  });

  it("answers 500 when a collector fails, and keeps running", async () => {
    const registry = new Registry();
    new Counter({
      name: "app_broken_total",
      help: "a collector that throws",
      registers: [registry],
      collect() {
        throw new Error("collector exploded");
      },
    });
    server = await startMetricsServer({ port: 0, registry });
    const response = await fetch(server.url);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("collector exploded");
  });

  it("rejects when the port is taken, and validates its options", async () => {
    server = await startMetricsServer({ port: 0, registry: new Registry() });
    await expect(startMetricsServer({ port: server.port, registry: new Registry() })).rejects.toThrow(
      /EADDRINUSE/,
    );
    await expect(startMetricsServer({ port: 70_000 })).rejects.toThrow(/port must be an integer/);
    await expect(startMetricsServer({ port: 0, path: "metrics" })).rejects.toThrow(
      /path must start with "\/"/,
    );
  });

  it("close() ends keep-alive connections too", async () => {
    server = await startMetricsServer({ port: 0, registry: new Registry() });
    const { port } = server;
    await new Promise<void>((resolve) => {
      request(
        { port, host: "127.0.0.1", path: "/metrics", agent: false, headers: { connection: "keep-alive" } },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      ).end();
    });
    await server.close();
    server = undefined;
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe("metricsRequestHandler", () => {
  it("mounts on an existing node:http server", async () => {
    const registry = new Registry();
    new PrometheusCallbackHandler({ registry });
    const handle = metricsRequestHandler(registry);
    const app = createServer((req, res) => {
      if (req.url === "/internal/metrics") return void handle(req, res);
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = app.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/internal/metrics`);
      expect(response.headers.get("content-type")).toBe(PROMETHEUS_TEXT);
      expect(await response.text()).toContain("langchain_runs_total");
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });

  it("works as an express route", async () => {
    const registry = new Registry();
    new PrometheusCallbackHandler({ registry });
    const app = express();
    app.get("/metrics", metricsRequestHandler(registry));
    const listening = app.listen(0, "127.0.0.1");
    await once(listening, "listening");
    try {
      const { port } = listening.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(PROMETHEUS_TEXT);
      expect(await response.text()).toContain("gen_ai_client_token_usage");
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });

  it("works as a fastify route (sends through reply)", async () => {
    const registry = new Registry();
    new PrometheusCallbackHandler({ registry });
    const app = Fastify();
    app.get("/metrics", metricsRequestHandler(registry));
    try {
      const response = await app.inject({ method: "GET", url: "/metrics" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe(PROMETHEUS_TEXT);
      expect(response.body).toContain("gen_ai_client_token_usage");
    } finally {
      await app.close();
    }
  });
});
