import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { callbacks } from "./helpers.js";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/log-and-exit.ts", import.meta.url));
const devFullFixture = fileURLToPath(new URL("./fixtures/log-to-dev-full.ts", import.meta.url));
const env = { ...process.env, LANGCHAIN_TRACING_V2: "false", LANGSMITH_TRACING: "false" };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pino-logger-exit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent("no record is lost on a normal exit", () => {
  for (const mode of ["sync", "async"] as const) {
    const endings =
      mode === "sync" ? (["exit", "natural"] as const) : (["exit", "flush-exit", "natural"] as const);
    for (const ending of endings) {
      const how = {
        exit: "process.exit(0)",
        "flush-exit": "flush() then process.exit(0)",
        natural: "event loop drained",
      };
      it(`pino.destination (${mode}), ${how[ending]}: all 10,000 records in the file`, async () => {
        const file = join(dir, `${mode}-${ending}.log`);
        await run(process.execPath, ["--import", "tsx", fixture, file, mode, ending], {
          cwd: packageDir,
          env,
        });
        const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
        expect(lines).toHaveLength(10_000);
        const records = lines.map((line) => JSON.parse(line) as { msg: string; run_id: string });
        const starts = new Set(records.filter((r) => r.msg === "llm.start").map((r) => r.run_id));
        const ends = new Set(records.filter((r) => r.msg === "llm.end").map((r) => r.run_id));
        expect(starts.size).toBe(5_000);
        expect(ends).toEqual(starts);
      }, 180_000); // five child processes of 5,000 calls each: minutes on a loaded 2-core machine
    }
  }

  it("flush() resolves once an async destination has written everything", async () => {
    const file = join(dir, "flush.log");
    const destination = pino.destination({ dest: file, sync: false, minLength: 4096 });
    const handler = new PinoCallbackHandler({ logger: pino({ level: "info" }, destination) });
    for (let index = 0; index < 50; index++) {
      callbacks(handler).handleChainStart({}, { index }, `run-${index}`);
      callbacks(handler).handleChainEnd({ index }, `run-${index}`);
    }
    await handler.flush();
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    expect(lines).toHaveLength(50);
    destination.end();
  });
});

describe.skipIf(!existsSync("/dev/full"))("a destination that fails with ENOSPC (/dev/full)", () => {
  for (const mode of ["sync", "async"] as const) {
    for (const ending of ["exit", "natural"] as const) {
      it(`pino.destination (${mode}), ${ending === "exit" ? "process.exit(0)" : "event loop drained"}: the process exits, the failure reported`, async () => {
        // Killed after 20 s: sonic-boom's flushSync() at exit used to retry ENOSPC forever.
        const { stdout } = await run(process.execPath, ["--import", "tsx", devFullFixture, mode, ending], {
          cwd: packageDir,
          env,
          timeout: 20_000,
        });
        const lines = stdout
          .split("\n")
          .filter(Boolean)
          .map(
            (line) =>
              JSON.parse(line) as { done?: boolean; method?: string; code?: string; message?: string },
          );
        expect(lines.some((line) => line.done)).toBe(true);
        const reports = lines.filter((line) => line.method !== undefined);
        expect(reports.length).toBeGreaterThan(0);
        expect(reports.every((line) => line.code === "ENOSPC")).toBe(true);
        if (mode === "async") {
          // What was still buffered at exit is dropped, and the report says how much.
          expect(reports.find((line) => line.method === "destination:flushSync")?.message).toMatch(
            /dropped [1-9]\d* bytes/,
          );
        }
      }, 30_000);
    }
  }
});
