import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const examplesDir = fileURLToPath(new URL("../", import.meta.url));

/** Runs an example file as a user would (`tsx src/<file>`), with no API key, and returns its output. */
export function runExample(
  file: string,
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", `src/${file}`],
      {
        cwd: examplesDir,
        env: { ...process.env, OPENAI_API_KEY: "", NO_COLOR: "1", ...env },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}
