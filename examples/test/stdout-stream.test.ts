import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const example = fileURLToPath(new URL("../src/stdout-stream.ts", import.meta.url));
const ANSWER =
  "Streaming shows the answer while it is still being written, so a slow model feels fast.\n" +
  "And you can stop reading (or press Ctrl-C) the moment you have what you need.\n";

function sh(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No API key: the example uses its embedded server.
    const proc = spawn("bash", ["-c", script], { cwd: root, env: { ...process.env, OPENAI_API_KEY: "" } });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (data: Buffer) => {
      stdout += data.toString();
    });
    proc.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("example: stdout-stream", () => {
  it("streams the answer to stdout exactly, and the footer to stderr", async () => {
    const result = await sh(`node --import tsx ${JSON.stringify(example)}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(ANSWER);
    expect(result.stderr).toMatch(
      /\[[0-9a-f]{4}\] gpt-4o-mini · ttft \d+ ms · [\d.]+ tok\/s · in \d+ out \d+/,
    );
  }, 60_000);

  it("piped into `head -1`: prints the first line and exits 0", async () => {
    const result = await sh(
      `node --import tsx ${JSON.stringify(example)} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`,
    );
    expect(result.stdout).toBe(`${ANSWER.split("\n")[0]}\n`);
    expect(result.stderr).toContain("status=0");
  }, 60_000);
});
