import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The one list of test projects. Vitest 4 ignores a file with this name unless it is named with
 * `--config`, which the root `npm test` does; `examples/test/workspace.test.ts` proves that this
 * list (and nothing else) is what runs.
 */
export const projects = [
  "packages/core",
  "packages/testkit",
  "packages/stdout-stream",
  "packages/pino-logger",
  "packages/prometheus-metrics",
  "packages/token-cost",
  "packages/pii-redact",
  "packages/otel-tracing",
  "packages/observability",
  "examples",
  "benchmarks",
];

export default defineConfig({
  test: {
    projects: projects.map((dir) => fileURLToPath(new URL(`./${dir}/vitest.config.ts`, import.meta.url))),
    provide: { chainwatchProjects: projects },
    // Under CI a JSON report too, from which .ci/run prints one plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: "test-results/vitest.json" }]]
      : ["default"],
    // Network-cut guarantee: the testkit server is the only endpoint any test talks to.
    env: { OPENAI_API_KEY: "", LANGCHAIN_TRACING_V2: "false", LANGSMITH_TRACING: "false" },
  },
});
