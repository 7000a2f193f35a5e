import { fileURLToPath } from "node:url";
import { defineProject, type UserWorkspaceConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The one test-project shape every package uses: tests run against the packages' TypeScript sources
 * (no build needed), one project per package, named after it.
 */
export function chainwatchProject(
  name: string,
  configUrl: string,
  test: UserWorkspaceConfig["test"] = {},
): UserWorkspaceConfig {
  return defineProject({
    root: fileURLToPath(new URL(".", configUrl)),
    resolve: {
      alias: [
        { find: /^@chainwatch\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
        { find: /^@chainwatch\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
      ],
    },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      setupFiles: [`${root}scripts/vitest-loopback-only.ts`],
      testTimeout: 20_000,
      hookTimeout: 20_000,
      ...test,
    },
  });
}
