#!/usr/bin/env node
// Packs every publishable package, installs the tarballs into a fresh project outside the workspace (as a user
// would), and proves that `import` and `require` both load each package with the same exports. Then every complete
// README snippet (a ```ts block with imports) of every package, as published in the tarball, is type-checked
// (strict) in that project, and run: vitest snippets with vitest, the others with tsx, against the testkit's fake
// OpenAI server (OPENAI_BASE_URL) — so that no snippet can drift from the API again. Snippets without imports, or
// marked `<!-- fragment: … -->` on the line above the fence, use names from their context and are not compiled on
// their own; the script lists them.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
      // What the README snippets use besides our packages, at the versions the workspace tests with.
      "pino@10.4.0",
      "prom-client@15.1.3",
      "typescript@6.0.3",
      "tsx@4.21.0",
      "vitest@4.1.12",
      "@types/node@22",
      // Snippets that need a service (Redis, an OTLP collector, a browser client) are type-checked, not run.
      "ws@8.23.0",
      "@types/ws@8.18.2",
      "ioredis@6.0.0",
      "@opentelemetry/api@1.9.0",
      "@opentelemetry/sdk-trace-node@2.12.1",
      "@opentelemetry/exporter-trace-otlp-proto@0.223.1",
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
  checkSnippets(project, packages);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Type-checks and runs every complete ```ts snippet of every package README, as published. */
function checkSnippets(project, packages) {
  const dir = join(project, "snippets");
  mkdirSync(dir);
  const snippets = [];
  const fragments = [];
  for (const { manifest } of packages) {
    const short = manifest.name.split("/").pop();
    const readme = readFileSync(join(project, "node_modules", manifest.name, "README.md"), "utf8");
    let index = 0;
    for (const [, marker, code] of readme.matchAll(
      /(<!-- (?:fragment|compile-only)[^>]*-->\n)?```ts\n([\s\S]*?)```/g,
    )) {
      index++;
      // A fragment (no imports, or marked `<!-- fragment: … -->` above its fence) uses names from the text around it.
      if (marker?.startsWith("<!-- fragment") || !/^import /m.test(code)) {
        fragments.push(`${short}#${index}`);
        continue;
      }
      const usesVitest = /from "vitest"/.test(code);
      const file = join(dir, `${short}-${index}${usesVitest ? ".test" : ""}.ts`);
      // A module of its own: top-level await and no global name clashes between snippets.
      writeFileSync(file, /^export /m.test(code) ? code : `${code}\nexport {};\n`);
      // `<!-- compile-only: … -->`: complete, but it needs a service the check does not start (Redis, a collector).
      snippets.push({ name: `${short}#${index}`, file, usesVitest, run: marker === undefined });
    }
  }
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2023",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
      },
      include: ["snippets"],
    }),
  );
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ ...JSON.parse(readFileSync(join(project, "package.json"), "utf8")), type: "module" }),
  );
  const bin = (name) => join(project, "node_modules", ".bin", name);
  const tsc = spawnSync(bin("tsc"), ["-p", project], { cwd: project, encoding: "utf8" });
  if (tsc.status !== 0) {
    throw new Error(
      `README snippets do not type-check:\n${(tsc.stdout + tsc.stderr).replaceAll(`${dir}/`, "")}`,
    );
  }
  console.log(
    `README snippets: ${snippets.length} type-check (${fragments.length} fragments not compiled alone: ${fragments.join(", ")})`,
  );

  // The fake server the snippets' ChatOpenAI talks to (the OpenAI SDK reads OPENAI_BASE_URL and OPENAI_API_KEY).
  const failures = [];
  const compileOnly = snippets.filter((snippet) => !snippet.run).map((snippet) => snippet.name);
  if (compileOnly.length > 0)
    console.log(`  type-checked, not run (they need a service): ${compileOnly.join(", ")}`);
  for (const snippet of snippets.filter((candidate) => candidate.run)) {
    const script = snippet.usesVitest
      ? [bin("vitest"), ["run", "--root", project, snippet.file]]
      : [
          process.execPath,
          [
            "--input-type=module",
            "-e",
            // The server lives in this process, so the snippet runs asynchronously (spawnSync would block it).
            `const { startFakeOpenAI } = await import("@chainwatch/testkit");
             const { spawn } = await import("node:child_process");
             const server = await startFakeOpenAI();
             const child = spawn(process.execPath, ["--import", "tsx", ${JSON.stringify(snippet.file)}], {
               env: { ...process.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: "sk-snippet-check" },
               stdio: ["ignore", "inherit", "inherit"],
             });
             let timedOut = false;
             const timer = setTimeout(() => { timedOut = true; child.kill(); }, 90000);
             const code = await new Promise((resolve) => child.on("close", (status) => resolve(status ?? 1)));
             if (timedOut) console.error("still running after 90 s: stopped");
             clearTimeout(timer);
             await server.close();
             process.exit(code);`,
          ],
        ];
    const run = spawnSync(script[0], script[1], { cwd: project, encoding: "utf8", timeout: 120_000 });
    if (run.status === 0) console.log(`  ${snippet.name}: runs`);
    else failures.push(`${snippet.name} (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
  }
  if (failures.length > 0) throw new Error(`README snippets that fail when run:\n${failures.join("\n")}`);
  console.log(`README snippets: all ${snippets.length - compileOnly.length} others run`);
}
