import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";

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
});
