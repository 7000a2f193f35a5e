import { spawnSync } from "node:child_process";
import { fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { requireBinary } from "./binaries.js";
import { callbacks, drain } from "./helpers.js";

describe("promtool check metrics", () => {
  const promtool = requireBinary("promtool");
  if (!promtool) return;
  const binary: string = promtool;

  function check(text: string) {
    return spawnSync(binary, ["check", "metrics"], { input: text, encoding: "utf8" });
  }

  it("passes on the handler's output after every kind of run, with extra labels and overflow", async () => {
    const server = await startFakeOpenAI({ content: "checked by promtool" });
    try {
      const registry = new Registry();
      const handler = new PrometheusCallbackHandler({
        registry,
        labels: { service: "promtool" },
        metadataLabels: ["tenant.tier"],
        maxLabelValues: { models: 1 },
      });
      const model = fakeChatOpenAI(server);
      await model.invoke("a", {
        callbacks: [handler],
        metadata: { "tenant.tier": 'quote " and \\ backslash' },
      });
      await drain(model.stream("b", { callbacks: [handler] }));
      await fakeChatOpenAI(server, { model: "other-model" }).invoke("c", { callbacks: [handler] });
      server.setScript({ status: 500, error: { message: "down" } });
      await expect(model.invoke("d", { callbacks: [handler] })).rejects.toThrow();
      callbacks(handler).handleToolStart({}, "{}", "tool-1", undefined, [], {}, "lookup");
      callbacks(handler).handleToolEnd("", "tool-1");
      await awaitAllCallbacks();
      const text = await registry.metrics();
      expect(text).toContain("gen_ai_client_operation_time_to_first_chunk_seconds_count");
      expect(text).toContain('gen_ai_request_model="_OTHER"');
      const result = check(text);
      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
        status: 0,
        stdout: "",
        stderr: "",
      });
    } finally {
      await server.close();
    }
  });

  it("is a real check: it rejects a malformed exposition", () => {
    const result = check("# TYPE broken counter\nbroken{le=} 1\n");
    expect(result.status).not.toBe(0);
  });
});
