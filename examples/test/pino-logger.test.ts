import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { TEST_API_KEY } from "@chainwatch/testkit";
import { expect, it } from "vitest";

const run = promisify(execFile);
const examplesDir = fileURLToPath(new URL("..", import.meta.url));

it("pino-logger example: JSON on stdout, pino-pretty, and a flushed file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pino-example-"));
  try {
    const file = join(dir, "runs.log");
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/pino-logger.ts"], {
      cwd: examplesDir,
      env: { ...process.env, OPENAI_API_KEY: "", PINO_LOGGER_EXAMPLE_FILE: file },
    });
    const json = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const llmEnds = json.filter((record) => record.msg === "llm.end");
    expect(llmEnds.length).toBe(3);
    expect(llmEnds[0]).toMatchObject({
      model: "gpt-4o-mini",
      output: "Chainwatch watches LangChain.js runs.",
    });
    expect(json.some((record) => record.msg === "tool.end" && record.run_name === "get_weather")).toBe(true);
    expect(stdout).toMatch(/INFO: llm\.end/);
    expect(stdout).toMatch(/DEBUG: tool\.start/);
    expect(stdout).not.toMatch(/DEBUG: chain\.start/);
    const written = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    expect(stdout).toContain(`wrote ${written.length} records to ${file}`);
    expect(written.length).toBeGreaterThan(20);
    expect(stdout + written.join("")).not.toContain(TEST_API_KEY);
    // After the rotation the moved file kept its records, and the path got the new ones.
    const moved = (await readFile(`${file}.1`, "utf8")).split("\n").filter(Boolean);
    expect(stdout).toContain(
      `after rotation: ${moved.length} records in ${file}.1, ${written.length} new in ${file}`,
    );
    expect(moved.length).toBe(written.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
