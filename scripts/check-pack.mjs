#!/usr/bin/env node
// Packs every publishable package, installs the tarballs into a fresh project outside the workspace (as a user
// would), and proves that `import` and `require` both load each package with the same exports.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "chainwatch-pack-"));
const run = (args, cwd) =>
  execFileSync(npm, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({
    dir: join(root, "packages", dir),
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")),
  }))
  .filter(({ manifest }) => !manifest.private);

try {
  const tarballs = packages.map(({ dir }) => {
    const [info] = JSON.parse(run(["pack", "--json", "--pack-destination", work], dir));
    return join(work, info.filename);
  });
  const project = join(work, "project");
  run(["init", "-y"], work);
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "pack-check", private: true, version: "0.0.0" }),
  );
  // Peers are installed by npm automatically; the host library is pinned to the version we test against.
  run(
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...tarballs,
      "@langchain/core@1.4.0",
      "@langchain/openai@1.6.0",
      "langchain@1.5.14",
    ],
    project,
  );
  for (const { manifest } of packages) {
    const name = manifest.name;
    const script = `
      const esm = await import(${JSON.stringify(name)});
      const { createRequire } = await import("node:module");
      const cjs = createRequire(${JSON.stringify(join(project, "index.js"))})(${JSON.stringify(name)});
      const esmNames = Object.keys(esm).filter((key) => key !== "default").sort();
      const cjsNames = Object.keys(cjs).sort();
      if (esmNames.length === 0) throw new Error("no ESM exports");
      if (JSON.stringify(esmNames) !== JSON.stringify(cjsNames)) throw new Error("ESM and CJS exports differ: " + esmNames + " / " + cjsNames);
      console.log(${JSON.stringify(name)} + ": import and require OK (" + esmNames.length + " exports)");
    `;
    process.stdout.write(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: project,
        encoding: "utf8",
      }),
    );
    // Subpaths such as testkit's /conformance import vitest, which loads only inside a test run: both
    // resolutions must succeed.
    for (const subpath of Object.keys(manifest.exports ?? {}).filter(
      (key) => key !== "." && !key.endsWith(".json"),
    )) {
      const specifier = `${name}/${subpath.slice(2)}`;
      const resolved = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `console.log(import.meta.resolve(${JSON.stringify(specifier)}) + " | " + (await import("node:module")).createRequire(process.cwd() + "/x.js").resolve(${JSON.stringify(specifier)}))`,
        ],
        { cwd: project, encoding: "utf8" },
      );
      console.log(
        `${specifier}: resolves for import and require (${resolved
          .trim()
          .split(" | ")
          .map((p) => p.split("/").pop())
          .join(", ")})`,
      );
    }
  }
  console.log(`pack check: ${packages.length} packages installed from tarballs and loaded both ways`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
