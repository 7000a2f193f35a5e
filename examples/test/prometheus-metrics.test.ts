import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eventually, freePort, requireBinary } from "../../packages/prometheus-metrics/test/binaries.js";
import { main as basicMain } from "../src/prometheus-metrics.js";
import { main as pushMain } from "../src/prometheus-pushgateway.js";

const examplesDir = fileURLToPath(new URL("..", import.meta.url));

async function captureLog(run: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.join(" "));
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.join("\n");
}

describe("examples/prometheus-metrics", () => {
  it("serves the calls' metrics and scrapes them back", async () => {
    const output = await captureLog(() => basicMain());
    expect(output).toMatch(/gen_ai_client_operation_duration_seconds_count\{.*service="example".*\} 2$/m);
    expect(output).toMatch(/gen_ai_client_operation_time_to_first_chunk_seconds_count\{.*\} 1$/m);
    expect(output).toMatch(/langchain_runs_total\{run_type="llm",status="ok",service="example"\} 2$/m);
  });
});

describe("examples/prometheus-cluster (node:cluster + AggregatorRegistry)", () => {
  it("aggregates every worker's calls in the primary", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "src/prometheus-cluster.ts"],
      {
        cwd: examplesDir,
        env: { ...process.env, CLUSTER_WORKERS: "3", CALLS_PER_WORKER: "2" },
        timeout: 60_000,
      },
    );
    expect(stdout).toContain("Aggregated 3 workers");
    expect(stdout).toMatch(/calls: 6$/m);
    // Token totals come from the workers too (the embedded server reports usage on every call).
    expect(stdout).toMatch(/input tokens: [1-9]\d*$/m);
    expect(stdout).toMatch(/runs in flight: 0$/m);
  }, 70_000);

  it("fails at once, with the worker's error, when a worker exits early", async () => {
    const started = Date.now();
    const failure = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "src/prometheus-cluster.ts"],
      {
        cwd: examplesDir,
        env: { ...process.env, CLUSTER_WORKERS: "3", CALLS_PER_WORKER: "2", CLUSTER_FAILING_WORKER: "2" },
        timeout: 60_000,
      },
    ).then(
      () => undefined,
      (error: { code?: unknown; stderr?: string; killed?: boolean }) => error,
    );
    expect(failure?.killed).toBe(false);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(
      /worker 2 exited before finishing \(code 1\): Error: worker 2 failed on purpose/,
    );
    // Not the 60 s timeout: the primary stops the other workers and exits.
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 70_000);
});

describe("examples/prometheus-pushgateway (a real Pushgateway)", () => {
  const binary = requireBinary("prometheus-pushgateway");
  if (!binary) return;
  const gatewayBinary: string = binary;
  let gateway: ChildProcess | undefined;
  let gatewayUrl = "";

  beforeAll(async () => {
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    gateway = spawn(gatewayBinary, [`--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], {
      stdio: "ignore",
    });
    await eventually(
      async () => {
        if (gateway?.exitCode !== null) throw new Error("pushgateway exited");
        return (await fetch(`${gatewayUrl}/-/ready`)).ok ? true : undefined;
      },
      20_000,
      "the pushgateway to be ready",
    );
  }, 30_000);

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = once(gateway, "exit");
      gateway.kill("SIGTERM");
      await exited;
    }
  });

  it("pushes the batch job's metrics, which the gateway then exposes under the job label", async () => {
    const output = await captureLog(() => pushMain({ gatewayUrl, jobName: "it_batch", documents: 4 }));
    expect(output).toContain(`Pushed metrics of 4 calls to ${gatewayUrl} (job="it_batch")`);
    const exposed = await (await fetch(`${gatewayUrl}/metrics`)).text();
    const count = exposed
      .split("\n")
      .find(
        (line) =>
          line.startsWith("gen_ai_client_operation_duration_seconds_count{") &&
          line.includes('job="it_batch"'),
      );
    expect(count).toBeDefined();
    expect(count).toContain('batch="nightly_summaries"');
    expect(count?.endsWith(" 4")).toBe(true);
    expect(exposed).toMatch(/langchain_runs_total\{.*job="it_batch".*status="ok".*\} 4/);
  });
});
