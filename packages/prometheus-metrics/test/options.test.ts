import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler, startMetricsServer } from "../src/index.js";

describe("option validation", () => {
  const registry = () => new Registry();

  it.each([
    [{ prefix: "bad prefix" }, /prefix "bad prefix" is not a valid/],
    [{ labels: { "bad-name": "x" } }, /labels key "bad-name" is not a valid Prometheus label name/],
    [{ labels: { __reserved: "x" } }, /"__reserved" is not a valid/],
    [{ labels: { error_type: "x" } }, /"error_type" .* clashes with a built-in/],
    [{ labels: { tier: 3 as unknown as string } }, /labels.tier must be a string, got number/],
    [{ metadataLabels: ["tier", "tier"] }, /"tier" .* clashes/],
    [{ metadataLabels: ["gen_ai.request.model"] }, /"gen_ai_request_model" .* clashes/],
    [
      { buckets: { operationDuration: [] } },
      /buckets.operationDuration must be a non-empty, strictly increasing/,
    ],
    [{ buckets: { tokenUsage: [4, 1] } }, /buckets.tokenUsage .* got \[4,1\]/],
    [{ buckets: { toolDuration: [1, Number.NaN] } }, /buckets.toolDuration/],
    [{ maxLabelValues: { models: 0 } }, /maxLabelValues.models must be a positive integer, got 0/],
    [{ maxLabelValues: { tools: 1.5 } }, /maxLabelValues.tools must be a positive integer, got 1.5/],
  ])("rejects %j", (options, message) => {
    expect(() => new PrometheusCallbackHandler({ registry: registry(), ...options })).toThrow(message);
  });

  it("has a stable name and accepts custom buckets", () => {
    const handler = new PrometheusCallbackHandler({
      registry: registry(),
      buckets: { operationDuration: [0.5, 1, 5] },
    });
    expect(handler.name).toBe("prometheus_metrics");
    expect((handler.metrics.operationDuration as unknown as { upperBounds: number[] }).upperBounds).toEqual([
      0.5, 1, 5,
    ]);
  });

  it.each([
    [{ prefx: "app_" }, /unknown option "prefx"\. Did you mean "prefix"\?/],
    [
      { maxLabelValues: { model: 5 } },
      /unknown option "maxLabelValues\.model"\. Did you mean "maxLabelValues\.models"\?/,
    ],
    [{ buckets: { duration: [1, 2] } }, /unknown option "buckets\.duration"/],
    [{ runs: { ttl: 1000 } }, /unknown option "runs\.ttl"\. Did you mean "runs\.ttlMs"\?/],
  ])("refuses the unknown key in %j, naming it and the closest known one", (options, message) => {
    const build = () => new PrometheusCallbackHandler({ registry: registry(), ...(options as object) });
    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
  });

  it("accepts LangChain's own handler options", () => {
    const handler = new PrometheusCallbackHandler({
      registry: registry(),
      ...({ ignoreChain: true, raiseError: false, awaitHandlers: false } as object),
    });
    expect(handler.ignoreChain).toBe(true);
  });

  it("startMetricsServer refuses an unknown key before binding", async () => {
    await expect(startMetricsServer({ port: 0, hots: "0.0.0.0" } as never)).rejects.toThrow(
      /startMetricsServer: unknown option "hots"\. Did you mean "host"\?/,
    );
  });
});
