import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("startFakeOpenAI in node:cluster workers", () => {
  it("gives every worker a port of its own (a shared port routes requests to another worker's server)", async () => {
    const script = fileURLToPath(new URL("./fixtures/cluster-ports.ts", import.meta.url));
    const { stdout } = await run(process.execPath, ["--import", "tsx", script], { timeout: 60_000 });
    const ports = JSON.parse(stdout.trim()) as number[];
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
  }, 90_000);
});
