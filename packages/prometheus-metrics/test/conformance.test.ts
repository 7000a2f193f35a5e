import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { Registry } from "prom-client";
import { expect } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { value } from "./helpers.js";

/** Makes every write to every metric on the registry throw: the registry is this handler's sink. */
function breakRegistry(registry: Registry): void {
  const fail = () => {
    throw new Error("registry down");
  };
  for (const metric of registry.getMetricsAsArray()) {
    for (const method of ["labels", "observe", "inc", "dec", "set"]) {
      Object.defineProperty(metric, method, { value: fail });
    }
  }
}

const registries = new WeakMap<object, Registry>();

describeHandlerConformance(
  "PrometheusCallbackHandler",
  (context) => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({
      registry,
      runs: context.runs,
      onHandlerError: context.onHandlerError,
    });
    if (context.failingSink) breakRegistry(registry);
    registries.set(handler, registry);
    return handler;
  },
  {
    afterConcurrentRuns: async (handler, runs) => {
      const registry = registries.get(handler)!;
      expect(
        await value(registry, "langchain_runs_total", undefined, { run_type: "llm", status: "ok" }),
      ).toBe(runs.length);
      expect(await value(registry, "langchain_runs_in_flight")).toBe(0);
      expect(
        await value(
          registry,
          "gen_ai_client_operation_duration_seconds",
          "gen_ai_client_operation_duration_seconds_count",
        ),
      ).toBe(runs.length);
      // Half the runs streamed: exactly those have a time to first chunk.
      expect(
        await value(
          registry,
          "gen_ai_client_operation_time_to_first_chunk_seconds",
          "gen_ai_client_operation_time_to_first_chunk_seconds_count",
        ),
      ).toBe(runs.length / 2);
    },
  },
);
