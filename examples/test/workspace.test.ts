import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { projects } from "../../vitest.workspace.js";

declare module "vitest" {
  export interface ProvidedContext {
    chainwatchProjects: string[];
  }
}

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("vitest.workspace.ts", () => {
  it("is the config vitest loaded (vitest 4 silently ignores it unless named with --config)", () => {
    // `provide` exists only in vitest.workspace.ts: if vitest fell back to auto-discovery this is undefined.
    expect(inject("chainwatchProjects")).toEqual(projects);
  });

  it("lists every package that has tests, and nothing that does not exist", () => {
    const packages = readdirSync(`${root}packages`)
      .filter((name) => existsSync(`${root}packages/${name}/vitest.config.ts`))
      .map((name) => `packages/${name}`);
    expect(projects.filter((project) => project.startsWith("packages/")).sort()).toEqual(packages.sort());
    for (const project of projects)
      expect(existsSync(`${root}${project}/vitest.config.ts`), project).toBe(true);
  });
});
