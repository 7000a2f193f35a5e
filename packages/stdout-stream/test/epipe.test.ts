import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const child = fileURLToPath(new URL("./fixtures/epipe-child.ts", import.meta.url));
const EXPECTED_LENGTH = Array.from({ length: 30_000 }, (_, i) => `line ${i}\n`).join("").length;

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
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

describe("a closed pipe (EPIPE)", () => {
  it("`node app | head -1`: the run completes with its full output, the process exits 0", async () => {
    const script = `node --import tsx ${JSON.stringify(child)} | head -1; echo "node-status=\${PIPESTATUS[0]}" >&2`;
    const result = await run("bash", ["-c", script]);
    expect(result.stdout).toBe("line 0\n");
    expect(result.stderr).toContain(`RUN-OK ${EXPECTED_LENGTH} dropped=true`);
    expect(result.stderr).toContain("REPORTED write EPIPE");
    expect(result.stderr).toContain("node-status=0");
    expect(result.stderr).not.toMatch(/Unhandled|uncaught|at .*\.js:\d+/i);
  }, 60_000);

  it("a reader that destroys the pipe after one line: no crash, no throw into the run", async () => {
    const result = await new Promise<{ code: number | null; stderr: string; first: string }>(
      (resolve, reject) => {
        const proc = spawn("node", ["--import", "tsx", child], {
          cwd: root,
          env: { ...process.env, NO_COLOR: "1" },
        });
        let stderr = "";
        let first = "";
        proc.stdout.once("data", (data: Buffer) => {
          first = data.toString().split("\n")[0] ?? "";
          proc.stdout.destroy();
        });
        proc.stderr.on("data", (data: Buffer) => {
          stderr += data.toString();
        });
        proc.on("error", reject);
        proc.on("close", (code) => resolve({ code, stderr, first }));
      },
    );
    expect(result.first).toBe("line 0");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`RUN-OK ${EXPECTED_LENGTH}`);
    expect(result.stderr.match(/REPORTED/g)).toEqual(["REPORTED"]);
  }, 60_000);
});
