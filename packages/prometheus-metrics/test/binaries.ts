import { spawn } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { it } from "vitest";

/** The Debian package that ships each binary (what `.ci/run` installs). */
const PACKAGES: Record<string, string> = {
  prometheus: "prometheus",
  promtool: "prometheus",
  "prometheus-pushgateway": "prometheus-pushgateway",
};

/** Absolute path of an executable on PATH (or in /usr/bin), else undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The binary's path, or undefined after registering a visible placeholder: a skipped test naming the missing
 * package locally, a failing test under CI=true (a missing binary must never pass silently in CI).
 */
export function requireBinary(name: string): string | undefined {
  const path = findBinary(name);
  if (path) return path;
  const install = `apt-get install -y ${PACKAGES[name] ?? name}`;
  if (process.env.CI === "true") {
    it(`${name} is installed (required under CI=true)`, () => {
      throw new Error(`${name} not found on PATH; CI must install it: ${install}`);
    });
  } else {
    console.warn(`[prometheus-metrics] ${name} not found: skipping its tests (${install})`);
    it.skip(`${name} not installed: skipped locally (${install})`, () => {});
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1: listen on port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** A Prometheus server started by a test. */
export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** What the server printed so far (for failure messages). */
  logs: () => string;
  /** Stops the server: SIGTERM, then SIGKILL after 5 s. */
  stop: () => Promise<void>;
}

/**
 * Starts a real Prometheus on a free loopback port with `config` (YAML) and its storage in `dir`, and waits until it
 * is ready. The caller stops it in afterAll.
 */
export async function startPrometheus(
  binary: string,
  dir: string,
  config: string,
): Promise<RunningPrometheus> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, "prometheus.yml"), config);
  const child = spawn(
    binary,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let logs = "";
  const collect = (chunk: Buffer) => {
    logs += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${logs}`);
        return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
      },
      30_000,
      "prometheus to be ready",
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logs: () => logs, stop };
}
