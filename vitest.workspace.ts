import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The one list of test projects. Vitest 4 ignores a file with this name unless it is named with
 * `--config`, which the root `npm test` does; `packages/testkit/test/projects.test.ts` proves that this
 * list (and nothing else) is what runs.
 */
export const projects = ["packages/core", "packages/testkit", "packages/pii-redact", "examples"];

export default defineConfig({
  test: {
    projects: projects.map((dir) => fileURLToPath(new URL(`./${dir}/vitest.config.ts`, import.meta.url))),
    provide: { chainwatchProjects: projects },
    // Network-cut guarantee: the testkit server is the only endpoint any test talks to.
    env: { OPENAI_API_KEY: "", LANGCHAIN_TRACING_V2: "false", LANGSMITH_TRACING: "false" },
  },
});
